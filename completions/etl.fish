# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_etl_global_optspecs
    string join \n f/file= q/quiet v/verbose no-input h/help V/version
end

function __fish_etl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_etl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_etl_using_subcommand
    set -l cmd (__fish_etl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c etl -n "__fish_etl_needs_command" -s f -l file -d 'The project file [default: etl.yaml in this directory or the nearest parent]' -r -F
complete -c etl -n "__fish_etl_needs_command" -s q -l quiet -d 'Print only results and errors'
complete -c etl -n "__fish_etl_needs_command" -s v -l verbose -d 'Say more about what etl does (repeat for more)'
complete -c etl -n "__fish_etl_needs_command" -l no-input -d 'Never ask questions; fail with the flag to pass instead (also when CI is set)'
complete -c etl -n "__fish_etl_needs_command" -s h -l help -d 'Print help'
complete -c etl -n "__fish_etl_needs_command" -s V -l version -d 'Print version'
complete -c etl -n "__fish_etl_needs_command" -f -a "init" -d 'Start a project here: a commented etl.yaml, an example job and the default templates'
complete -c etl -n "__fish_etl_needs_command" -f -a "render" -d 'Print the Kubernetes manifests etl would create, without a cluster'
complete -c etl -n "__fish_etl_needs_command" -f -a "jobs" -d 'List, run and schedule jobs'
complete -c etl -n "__fish_etl_needs_command" -f -a "workflows" -d 'Workflows: DAGs of jobs run in dependency order'
complete -c etl -n "__fish_etl_needs_command" -f -a "runs" -d 'List runs in the cluster (manual and scheduled), or on this machine with --local'
complete -c etl -n "__fish_etl_needs_command" -f -a "build" -d 'Build the job image from etl.yaml\'s `image` with docker, podman, buildah or nerdctl'
complete -c etl -n "__fish_etl_needs_command" -f -a "push" -d 'Push the job image and pin runs (render, schedule, deploy) to its digest'
complete -c etl -n "__fish_etl_needs_command" -f -a "deploy" -d 'Apply the CronJobs of scheduled jobs and their Secrets to the cluster'
complete -c etl -n "__fish_etl_needs_command" -f -a "diff" -d 'Show what `etl deploy` would change in the cluster (exit 1 when something would)'
complete -c etl -n "__fish_etl_needs_command" -f -a "scheduler" -d 'Drive workflow runs in the cluster and fire workflow schedules (what `etl deploy` runs there)'
complete -c etl -n "__fish_etl_needs_command" -f -a "history" -d 'Which windows ran, for each job and workflow: a calendar of done, failed, missing'
complete -c etl -n "__fish_etl_needs_command" -f -a "backfill" -d 'Run a job or workflow for every window of a range that has not completed (or failed)'
complete -c etl -n "__fish_etl_needs_command" -f -a "logs" -d 'Print what is left of a run\'s logs in the cluster: every pod, every attempt'
complete -c etl -n "__fish_etl_needs_command" -f -a "completions" -d 'Print a shell completion script (bash, elvish, fish, powershell, zsh)'
complete -c etl -n "__fish_etl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c etl -n "__fish_etl_using_subcommand init" -l name -d 'The project\'s name [default: this directory\'s name]' -r
complete -c etl -n "__fish_etl_using_subcommand init" -s f -l file -d 'The project file [default: etl.yaml in this directory or the nearest parent]' -r -F
complete -c etl -n "__fish_etl_using_subcommand init" -l force -d 'Overwrite etl.yaml and templates that already exist'
complete -c etl -n "__fish_etl_using_subcommand init" -s q -l quiet -d 'Print only results and errors'
complete -c etl -n "__fish_etl_using_subcommand init" -s v -l verbose -d 'Say more about what etl does (repeat for more)'
complete -c etl -n "__fish_etl_using_subcommand init" -l no-input -d 'Never ask questions; fail with the flag to pass instead (also when CI is set)'
complete -c etl -n "__fish_etl_using_subcommand init" -s h -l help -d 'Print help'
complete -c etl -n "__fish_etl_using_subcommand init" -s V -l version -d 'Print version'
complete -c etl -n "__fish_etl_using_subcommand render" -l date -d 'One day' -r
complete -c etl -n "__fish_etl_using_subcommand render" -l start -d 'The start of a custom window: a date or an RFC 3339 timestamp (with --end)' -r
complete -c etl -n "__fish_etl_using_subcommand render" -l end -d 'The end of a custom window, not included (with --start)' -r
complete -c etl -n "__fish_etl_using_subcommand render" -l config -d 'Set a config value, typed by the job\'s params (repeatable): --config bucket=raw' -r
complete -c etl -n "__fish_etl_using_subcommand render" -l set -d 'Override any field of the job for this run (repeatable): --set resources.memory=8Gi' -r
complete -c etl -n "__fish_etl_using_subcommand render" -l image -d 'The image to run [default: the last `etl push`, else the repository\'s :latest]' -r
complete -c etl -n "__fish_etl_using_subcommand render" -l scheduler-image -d 'etl\'s own image, which the scheduler runs [default: the last `etl push` of this etl]' -r
complete -c etl -n "__fish_etl_using_subcommand render" -s n -l namespace -d 'The namespace [default: etl.yaml\'s cluster.namespace, else `default`]' -r
complete -c etl -n "__fish_etl_using_subcommand render" -s o -l output -d 'Output format' -r -f -a "yaml\t''
json\t''"
complete -c etl -n "__fish_etl_using_subcommand render" -s f -l file -d 'The project file [default: etl.yaml in this directory or the nearest parent]' -r -F
complete -c etl -n "__fish_etl_using_subcommand render" -l yesterday -d 'Yesterday, midnight to midnight'
complete -c etl -n "__fish_etl_using_subcommand render" -l today -d 'Today, midnight to midnight'
complete -c etl -n "__fish_etl_using_subcommand render" -l last-week -d 'The previous week, Monday to Monday'
complete -c etl -n "__fish_etl_using_subcommand render" -l cron -d 'Render the CronJob of a scheduled job (of every scheduled job without JOB)'
complete -c etl -n "__fish_etl_using_subcommand render" -l secrets -d 'Render the Secrets declared in etl.yaml'
complete -c etl -n "__fish_etl_using_subcommand render" -l scheduler -d 'Render the scheduler\'s objects and the project ConfigMap `etl deploy` applies'
complete -c etl -n "__fish_etl_using_subcommand render" -l show-secrets -d 'Show secret values instead of <redacted>'
complete -c etl -n "__fish_etl_using_subcommand render" -s q -l quiet -d 'Print only results and errors'
complete -c etl -n "__fish_etl_using_subcommand render" -s v -l verbose -d 'Say more about what etl does (repeat for more)'
complete -c etl -n "__fish_etl_using_subcommand render" -l no-input -d 'Never ask questions; fail with the flag to pass instead (also when CI is set)'
complete -c etl -n "__fish_etl_using_subcommand render" -s h -l help -d 'Print help'
complete -c etl -n "__fish_etl_using_subcommand render" -s V -l version -d 'Print version'
complete -c etl -n "__fish_etl_using_subcommand jobs; and not __fish_seen_subcommand_from list run schedule follow cancel help" -s f -l file -d 'The project file [default: etl.yaml in this directory or the nearest parent]' -r -F
complete -c etl -n "__fish_etl_using_subcommand jobs; and not __fish_seen_subcommand_from list run schedule follow cancel help" -s q -l quiet -d 'Print only results and errors'
complete -c etl -n "__fish_etl_using_subcommand jobs; and not __fish_seen_subcommand_from list run schedule follow cancel help" -s v -l verbose -d 'Say more about what etl does (repeat for more)'
complete -c etl -n "__fish_etl_using_subcommand jobs; and not __fish_seen_subcommand_from list run schedule follow cancel help" -l no-input -d 'Never ask questions; fail with the flag to pass instead (also when CI is set)'
complete -c etl -n "__fish_etl_using_subcommand jobs; and not __fish_seen_subcommand_from list run schedule follow cancel help" -s h -l help -d 'Print help'
complete -c etl -n "__fish_etl_using_subcommand jobs; and not __fish_seen_subcommand_from list run schedule follow cancel help" -s V -l version -d 'Print version'
complete -c etl -n "__fish_etl_using_subcommand jobs; and not __fish_seen_subcommand_from list run schedule follow cancel help" -f -a "list" -d 'List the jobs of etl.yaml'
complete -c etl -n "__fish_etl_using_subcommand jobs; and not __fish_seen_subcommand_from list run schedule follow cancel help" -f -a "run" -d 'Run a job here, as a local process (or in its image with --container), for a window'
complete -c etl -n "__fish_etl_using_subcommand jobs; and not __fish_seen_subcommand_from list run schedule follow cancel help" -f -a "schedule" -d 'Start a run of a job in the cluster now, for a window'
complete -c etl -n "__fish_etl_using_subcommand jobs; and not __fish_seen_subcommand_from list run schedule follow cancel help" -f -a "follow" -d 'Stream a run\'s logs until it ends, and exit with its status'
complete -c etl -n "__fish_etl_using_subcommand jobs; and not __fish_seen_subcommand_from list run schedule follow cancel help" -f -a "cancel" -d 'Stop a run and its pods'
complete -c etl -n "__fish_etl_using_subcommand jobs; and not __fish_seen_subcommand_from list run schedule follow cancel help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from list" -l context -d 'The kubeconfig context [default: etl.yaml\'s cluster.context, else the current one]' -r
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from list" -s n -l namespace -d 'The namespace [default: etl.yaml\'s cluster.namespace, else the context\'s]' -r
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from list" -s f -l file -d 'The project file [default: etl.yaml in this directory or the nearest parent]' -r -F
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from list" -l offline -d 'Do not ask the cluster for the last runs (LAST RUN shows `?`)'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only results and errors'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Say more about what etl does (repeat for more)'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from list" -l no-input -d 'Never ask questions; fail with the flag to pass instead (also when CI is set)'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from run" -l date -d 'One day' -r
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from run" -l start -d 'The start of a custom window: a date or an RFC 3339 timestamp (with --end)' -r
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from run" -l end -d 'The end of a custom window, not included (with --start)' -r
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from run" -l step -d 'Split the window into consecutive runs of this length (1d, 6h, 1w), one after another' -r
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from run" -l config -d 'Set a config value, typed by the job\'s params (repeatable): --config bucket=raw' -r
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from run" -l set -d 'Override any field of the job for this run (repeatable): --set resources.memory=8Gi' -r
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from run" -l image -d 'With --container: the image [default: the last `etl push`, else the repository\'s :latest]' -r
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from run" -s f -l file -d 'The project file [default: etl.yaml in this directory or the nearest parent]' -r -F
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from run" -l yesterday -d 'Yesterday, midnight to midnight'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from run" -l today -d 'Today, midnight to midnight'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from run" -l last-week -d 'The previous week, Monday to Monday'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from run" -l keep-going -d 'With --step: run every window even after one fails'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from run" -l container -d 'Run in the project\'s image through the container engine instead of as a local process'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from run" -l mount -d 'With --container: mount the project directory at /work and start there'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from run" -s y -l yes -d 'Do not ask for confirmation after the questions etl asks for a missing job or window'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from run" -s q -l quiet -d 'Print only results and errors'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from run" -s v -l verbose -d 'Say more about what etl does (repeat for more)'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from run" -l no-input -d 'Never ask questions; fail with the flag to pass instead (also when CI is set)'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from run" -s h -l help -d 'Print help'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from run" -s V -l version -d 'Print version'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from schedule" -l date -d 'One day' -r
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from schedule" -l start -d 'The start of a custom window: a date or an RFC 3339 timestamp (with --end)' -r
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from schedule" -l end -d 'The end of a custom window, not included (with --start)' -r
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from schedule" -l config -d 'Set a config value, typed by the job\'s params (repeatable): --config bucket=raw' -r
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from schedule" -l set -d 'Override any field of the job for this run (repeatable): --set resources.memory=8Gi' -r
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from schedule" -l image -d 'The image to run [default: the last `etl push`, else the repository\'s :latest]' -r
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from schedule" -l context -d 'The kubeconfig context [default: etl.yaml\'s cluster.context, else the current one]' -r
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from schedule" -s n -l namespace -d 'The namespace [default: etl.yaml\'s cluster.namespace, else the context\'s]' -r
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from schedule" -s f -l file -d 'The project file [default: etl.yaml in this directory or the nearest parent]' -r -F
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from schedule" -l yesterday -d 'Yesterday, midnight to midnight'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from schedule" -l today -d 'Today, midnight to midnight'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from schedule" -l last-week -d 'The previous week, Monday to Monday'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from schedule" -l follow -d 'Stream the run\'s logs until it ends, and exit with its status'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from schedule" -l wait -d 'Wait for the run to end, silently, and exit with its status'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from schedule" -l rerun -d 'Start a new attempt when this window already has a run'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from schedule" -s y -l yes -d 'Do not ask for confirmation'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from schedule" -s q -l quiet -d 'Print only results and errors'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from schedule" -s v -l verbose -d 'Say more about what etl does (repeat for more)'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from schedule" -l no-input -d 'Never ask questions; fail with the flag to pass instead (also when CI is set)'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from schedule" -s h -l help -d 'Print help'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from schedule" -s V -l version -d 'Print version'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from follow" -l context -d 'The kubeconfig context [default: etl.yaml\'s cluster.context, else the current one]' -r
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from follow" -s n -l namespace -d 'The namespace [default: etl.yaml\'s cluster.namespace, else the context\'s]' -r
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from follow" -s f -l file -d 'The project file [default: etl.yaml in this directory or the nearest parent]' -r -F
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from follow" -s q -l quiet -d 'Print only results and errors'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from follow" -s v -l verbose -d 'Say more about what etl does (repeat for more)'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from follow" -l no-input -d 'Never ask questions; fail with the flag to pass instead (also when CI is set)'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from follow" -s h -l help -d 'Print help'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from follow" -s V -l version -d 'Print version'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -l context -d 'The kubeconfig context [default: etl.yaml\'s cluster.context, else the current one]' -r
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -s n -l namespace -d 'The namespace [default: etl.yaml\'s cluster.namespace, else the context\'s]' -r
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -s f -l file -d 'The project file [default: etl.yaml in this directory or the nearest parent]' -r -F
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -s y -l yes -d 'Do not ask for confirmation'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -s q -l quiet -d 'Print only results and errors'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -s v -l verbose -d 'Say more about what etl does (repeat for more)'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -l no-input -d 'Never ask questions; fail with the flag to pass instead (also when CI is set)'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -s h -l help -d 'Print help'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from cancel" -s V -l version -d 'Print version'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the jobs of etl.yaml'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "run" -d 'Run a job here, as a local process (or in its image with --container), for a window'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "schedule" -d 'Start a run of a job in the cluster now, for a window'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "follow" -d 'Stream a run\'s logs until it ends, and exit with its status'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "cancel" -d 'Stop a run and its pods'
complete -c etl -n "__fish_etl_using_subcommand jobs; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c etl -n "__fish_etl_using_subcommand workflows; and not __fish_seen_subcommand_from list show run schedule follow cancel retry render runs help" -s f -l file -d 'The project file [default: etl.yaml in this directory or the nearest parent]' -r -F
complete -c etl -n "__fish_etl_using_subcommand workflows; and not __fish_seen_subcommand_from list show run schedule follow cancel retry render runs help" -s q -l quiet -d 'Print only results and errors'
complete -c etl -n "__fish_etl_using_subcommand workflows; and not __fish_seen_subcommand_from list show run schedule follow cancel retry render runs help" -s v -l verbose -d 'Say more about what etl does (repeat for more)'
complete -c etl -n "__fish_etl_using_subcommand workflows; and not __fish_seen_subcommand_from list show run schedule follow cancel retry render runs help" -l no-input -d 'Never ask questions; fail with the flag to pass instead (also when CI is set)'
complete -c etl -n "__fish_etl_using_subcommand workflows; and not __fish_seen_subcommand_from list show run schedule follow cancel retry render runs help" -s h -l help -d 'Print help'
complete -c etl -n "__fish_etl_using_subcommand workflows; and not __fish_seen_subcommand_from list show run schedule follow cancel retry render runs help" -s V -l version -d 'Print version'
complete -c etl -n "__fish_etl_using_subcommand workflows; and not __fish_seen_subcommand_from list show run schedule follow cancel retry render runs help" -f -a "list" -d 'List the workflows of etl.yaml, their tasks in order, schedules and last local runs'
complete -c etl -n "__fish_etl_using_subcommand workflows; and not __fish_seen_subcommand_from list show run schedule follow cancel retry render runs help" -f -a "show" -d 'Draw a workflow\'s DAG: levels of tasks, each with the tasks it runs after'
complete -c etl -n "__fish_etl_using_subcommand workflows; and not __fish_seen_subcommand_from list show run schedule follow cancel retry render runs help" -f -a "run" -d 'Run a whole workflow here, as local processes, in dependency order'
complete -c etl -n "__fish_etl_using_subcommand workflows; and not __fish_seen_subcommand_from list show run schedule follow cancel retry render runs help" -f -a "schedule" -d 'Start a workflow run in the cluster, for a window (the scheduler drives it)'
complete -c etl -n "__fish_etl_using_subcommand workflows; and not __fish_seen_subcommand_from list show run schedule follow cancel retry render runs help" -f -a "follow" -d 'Show a workflow run\'s progress in the cluster and its tasks\' logs, until it ends'
complete -c etl -n "__fish_etl_using_subcommand workflows; and not __fish_seen_subcommand_from list show run schedule follow cancel retry render runs help" -f -a "cancel" -d 'Stop a workflow run in the cluster: every task, and their pods'
complete -c etl -n "__fish_etl_using_subcommand workflows; and not __fish_seen_subcommand_from list show run schedule follow cancel retry render runs help" -f -a "retry" -d 'Run again only the failed tasks of a workflow run and what they blocked'
complete -c etl -n "__fish_etl_using_subcommand workflows; and not __fish_seen_subcommand_from list show run schedule follow cancel retry render runs help" -f -a "render" -d 'Print the objects a workflow run is in the cluster: a ConfigMap and one Job per task'
complete -c etl -n "__fish_etl_using_subcommand workflows; and not __fish_seen_subcommand_from list show run schedule follow cancel retry render runs help" -f -a "runs" -d 'List workflow runs (on this machine, or in the cluster with --cluster), newest first'
complete -c etl -n "__fish_etl_using_subcommand workflows; and not __fish_seen_subcommand_from list show run schedule follow cancel retry render runs help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from list" -s f -l file -d 'The project file [default: etl.yaml in this directory or the nearest parent]' -r -F
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only results and errors'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Say more about what etl does (repeat for more)'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from list" -l no-input -d 'Never ask questions; fail with the flag to pass instead (also when CI is set)'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from show" -s f -l file -d 'The project file [default: etl.yaml in this directory or the nearest parent]' -r -F
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from show" -l dot -d 'Print the DAG in Graphviz\'s dot language instead'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only results and errors'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Say more about what etl does (repeat for more)'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from show" -l no-input -d 'Never ask questions; fail with the flag to pass instead (also when CI is set)'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from run" -l date -d 'One day' -r
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from run" -l start -d 'The start of a custom window: a date or an RFC 3339 timestamp (with --end)' -r
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from run" -l end -d 'The end of a custom window, not included (with --start)' -r
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from run" -l step -d 'Split the window into consecutive workflow runs of this length (1d, 6h, 1w)' -r
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from run" -l parallel -d 'Tasks running at once [default: the workflow\'s max_parallel, else no limit]' -r
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from run" -s f -l file -d 'The project file [default: etl.yaml in this directory or the nearest parent]' -r -F
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from run" -l yesterday -d 'Yesterday, midnight to midnight'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from run" -l today -d 'Today, midnight to midnight'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from run" -l last-week -d 'The previous week, Monday to Monday'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from run" -l keep-going -d 'With --step: run every window even after one fails'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from run" -l retry-failed -d 'Run again only the tasks that did not complete in this window\'s last local run'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from run" -s q -l quiet -d 'Print only results and errors'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from run" -s v -l verbose -d 'Say more about what etl does (repeat for more)'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from run" -l no-input -d 'Never ask questions; fail with the flag to pass instead (also when CI is set)'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from run" -s h -l help -d 'Print help'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from run" -s V -l version -d 'Print version'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from schedule" -l date -d 'One day' -r
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from schedule" -l start -d 'The start of a custom window: a date or an RFC 3339 timestamp (with --end)' -r
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from schedule" -l end -d 'The end of a custom window, not included (with --start)' -r
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from schedule" -l image -d 'The image to run [default: the last `etl push`, else the repository\'s :latest]' -r
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from schedule" -l context -d 'The kubeconfig context [default: etl.yaml\'s cluster.context, else the current one]' -r
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from schedule" -s n -l namespace -d 'The namespace [default: etl.yaml\'s cluster.namespace, else the context\'s]' -r
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from schedule" -s f -l file -d 'The project file [default: etl.yaml in this directory or the nearest parent]' -r -F
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from schedule" -l yesterday -d 'Yesterday, midnight to midnight'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from schedule" -l today -d 'Today, midnight to midnight'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from schedule" -l last-week -d 'The previous week, Monday to Monday'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from schedule" -l follow -d 'Show the run\'s progress and logs until it ends, and exit with its state'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from schedule" -l rerun -d 'Start a new attempt when this window already has a run'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from schedule" -s y -l yes -d 'Do not ask for confirmation'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from schedule" -s q -l quiet -d 'Print only results and errors'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from schedule" -s v -l verbose -d 'Say more about what etl does (repeat for more)'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from schedule" -l no-input -d 'Never ask questions; fail with the flag to pass instead (also when CI is set)'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from schedule" -s h -l help -d 'Print help'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from schedule" -s V -l version -d 'Print version'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from follow" -l context -d 'The kubeconfig context [default: etl.yaml\'s cluster.context, else the current one]' -r
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from follow" -s n -l namespace -d 'The namespace [default: etl.yaml\'s cluster.namespace, else the context\'s]' -r
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from follow" -s f -l file -d 'The project file [default: etl.yaml in this directory or the nearest parent]' -r -F
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from follow" -s q -l quiet -d 'Print only results and errors'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from follow" -s v -l verbose -d 'Say more about what etl does (repeat for more)'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from follow" -l no-input -d 'Never ask questions; fail with the flag to pass instead (also when CI is set)'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from follow" -s h -l help -d 'Print help'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from follow" -s V -l version -d 'Print version'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from cancel" -l context -d 'The kubeconfig context [default: etl.yaml\'s cluster.context, else the current one]' -r
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from cancel" -s n -l namespace -d 'The namespace [default: etl.yaml\'s cluster.namespace, else the context\'s]' -r
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from cancel" -s f -l file -d 'The project file [default: etl.yaml in this directory or the nearest parent]' -r -F
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from cancel" -s y -l yes -d 'Do not ask for confirmation'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from cancel" -s q -l quiet -d 'Print only results and errors'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from cancel" -s v -l verbose -d 'Say more about what etl does (repeat for more)'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from cancel" -l no-input -d 'Never ask questions; fail with the flag to pass instead (also when CI is set)'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from cancel" -s h -l help -d 'Print help'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from cancel" -s V -l version -d 'Print version'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from retry" -l parallel -d 'Local runs: tasks running at once [default: the workflow\'s max_parallel, else no limit]' -r
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from retry" -l context -d 'The kubeconfig context [default: etl.yaml\'s cluster.context, else the current one]' -r
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from retry" -s n -l namespace -d 'The namespace [default: etl.yaml\'s cluster.namespace, else the context\'s]' -r
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from retry" -s f -l file -d 'The project file [default: etl.yaml in this directory or the nearest parent]' -r -F
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from retry" -s q -l quiet -d 'Print only results and errors'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from retry" -s v -l verbose -d 'Say more about what etl does (repeat for more)'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from retry" -l no-input -d 'Never ask questions; fail with the flag to pass instead (also when CI is set)'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from retry" -s h -l help -d 'Print help'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from retry" -s V -l version -d 'Print version'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from render" -l date -d 'One day' -r
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from render" -l start -d 'The start of a custom window: a date or an RFC 3339 timestamp (with --end)' -r
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from render" -l end -d 'The end of a custom window, not included (with --start)' -r
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from render" -l image -d 'The image to run [default: the last `etl push`, else the repository\'s :latest]' -r
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from render" -s n -l namespace -d 'The namespace [default: etl.yaml\'s cluster.namespace, else `default`]' -r
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from render" -s o -l output -d 'Output format' -r -f -a "yaml\t''
json\t''"
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from render" -s f -l file -d 'The project file [default: etl.yaml in this directory or the nearest parent]' -r -F
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from render" -l yesterday -d 'Yesterday, midnight to midnight'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from render" -l today -d 'Today, midnight to midnight'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from render" -l last-week -d 'The previous week, Monday to Monday'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from render" -s q -l quiet -d 'Print only results and errors'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from render" -s v -l verbose -d 'Say more about what etl does (repeat for more)'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from render" -l no-input -d 'Never ask questions; fail with the flag to pass instead (also when CI is set)'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from render" -s h -l help -d 'Print help'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from render" -s V -l version -d 'Print version'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from runs" -l context -d 'The kubeconfig context [default: etl.yaml\'s cluster.context, else the current one]' -r
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from runs" -s n -l namespace -d 'The namespace [default: etl.yaml\'s cluster.namespace, else the context\'s]' -r
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from runs" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from runs" -s f -l file -d 'The project file [default: etl.yaml in this directory or the nearest parent]' -r -F
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from runs" -l cluster -d 'List the runs in the cluster instead of this machine\'s'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from runs" -s q -l quiet -d 'Print only results and errors'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from runs" -s v -l verbose -d 'Say more about what etl does (repeat for more)'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from runs" -l no-input -d 'Never ask questions; fail with the flag to pass instead (also when CI is set)'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from runs" -s h -l help -d 'Print help'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from runs" -s V -l version -d 'Print version'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the workflows of etl.yaml, their tasks in order, schedules and last local runs'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from help" -f -a "show" -d 'Draw a workflow\'s DAG: levels of tasks, each with the tasks it runs after'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from help" -f -a "run" -d 'Run a whole workflow here, as local processes, in dependency order'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from help" -f -a "schedule" -d 'Start a workflow run in the cluster, for a window (the scheduler drives it)'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from help" -f -a "follow" -d 'Show a workflow run\'s progress in the cluster and its tasks\' logs, until it ends'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from help" -f -a "cancel" -d 'Stop a workflow run in the cluster: every task, and their pods'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from help" -f -a "retry" -d 'Run again only the failed tasks of a workflow run and what they blocked'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from help" -f -a "render" -d 'Print the objects a workflow run is in the cluster: a ConfigMap and one Job per task'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from help" -f -a "runs" -d 'List workflow runs (on this machine, or in the cluster with --cluster), newest first'
complete -c etl -n "__fish_etl_using_subcommand workflows; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c etl -n "__fish_etl_using_subcommand runs" -l job -d 'Only this job\'s runs' -r
complete -c etl -n "__fish_etl_using_subcommand runs" -l state -d 'Only runs in this state: Pending, Running, Succeeded, Failed, Cancelled (--local: Running, Succeeded, Failed, Interrupted, Lost)' -r
complete -c etl -n "__fish_etl_using_subcommand runs" -l since -d 'Only runs started this recently (7d, 12h)' -r
complete -c etl -n "__fish_etl_using_subcommand runs" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c etl -n "__fish_etl_using_subcommand runs" -l context -d 'The kubeconfig context [default: etl.yaml\'s cluster.context, else the current one]' -r
complete -c etl -n "__fish_etl_using_subcommand runs" -s n -l namespace -d 'The namespace [default: etl.yaml\'s cluster.namespace, else the context\'s]' -r
complete -c etl -n "__fish_etl_using_subcommand runs" -s f -l file -d 'The project file [default: etl.yaml in this directory or the nearest parent]' -r -F
complete -c etl -n "__fish_etl_using_subcommand runs" -l local -d 'List the runs made on this machine by `etl jobs run` instead of the cluster\'s'
complete -c etl -n "__fish_etl_using_subcommand runs" -s q -l quiet -d 'Print only results and errors'
complete -c etl -n "__fish_etl_using_subcommand runs" -s v -l verbose -d 'Say more about what etl does (repeat for more)'
complete -c etl -n "__fish_etl_using_subcommand runs" -l no-input -d 'Never ask questions; fail with the flag to pass instead (also when CI is set)'
complete -c etl -n "__fish_etl_using_subcommand runs" -s h -l help -d 'Print help'
complete -c etl -n "__fish_etl_using_subcommand runs" -s V -l version -d 'Print version'
complete -c etl -n "__fish_etl_using_subcommand build" -l tag -d 'The image tag [default: the git commit, with -dirty-HASH for a changed tree]' -r
complete -c etl -n "__fish_etl_using_subcommand build" -l platform -d 'The platform to build for, e.g. linux/amd64 [default: the engine\'s]' -r
complete -c etl -n "__fish_etl_using_subcommand build" -l build-arg -d 'A build argument, over etl.yaml\'s `image.build_args` (repeatable)' -r
complete -c etl -n "__fish_etl_using_subcommand build" -l engine -d 'The container engine: docker, podman, buildah or nerdctl [default: etl.yaml\'s, else found on PATH]' -r
complete -c etl -n "__fish_etl_using_subcommand build" -s f -l file -d 'The project file [default: etl.yaml in this directory or the nearest parent]' -r -F
complete -c etl -n "__fish_etl_using_subcommand build" -l push -d 'Push the image once built (as `etl push` does)'
complete -c etl -n "__fish_etl_using_subcommand build" -s q -l quiet -d 'Print only results and errors'
complete -c etl -n "__fish_etl_using_subcommand build" -s v -l verbose -d 'Say more about what etl does (repeat for more)'
complete -c etl -n "__fish_etl_using_subcommand build" -l no-input -d 'Never ask questions; fail with the flag to pass instead (also when CI is set)'
complete -c etl -n "__fish_etl_using_subcommand build" -s h -l help -d 'Print help'
complete -c etl -n "__fish_etl_using_subcommand build" -s V -l version -d 'Print version'
complete -c etl -n "__fish_etl_using_subcommand push" -l tag -d 'The image tag [default: the git commit, with -dirty-HASH for a changed tree]' -r
complete -c etl -n "__fish_etl_using_subcommand push" -l engine -d 'The container engine: docker, podman, buildah or nerdctl [default: etl.yaml\'s, else found on PATH]' -r
complete -c etl -n "__fish_etl_using_subcommand push" -s f -l file -d 'The project file [default: etl.yaml in this directory or the nearest parent]' -r -F
complete -c etl -n "__fish_etl_using_subcommand push" -s q -l quiet -d 'Print only results and errors'
complete -c etl -n "__fish_etl_using_subcommand push" -s v -l verbose -d 'Say more about what etl does (repeat for more)'
complete -c etl -n "__fish_etl_using_subcommand push" -l no-input -d 'Never ask questions; fail with the flag to pass instead (also when CI is set)'
complete -c etl -n "__fish_etl_using_subcommand push" -s h -l help -d 'Print help'
complete -c etl -n "__fish_etl_using_subcommand push" -s V -l version -d 'Print version'
complete -c etl -n "__fish_etl_using_subcommand deploy" -l image -d 'The image to run [default: the last `etl push`, else the repository\'s :latest]' -r
complete -c etl -n "__fish_etl_using_subcommand deploy" -l scheduler-image -d 'etl\'s own image, which the scheduler runs [default: the last `etl push` of this etl]' -r
complete -c etl -n "__fish_etl_using_subcommand deploy" -l context -d 'The kubeconfig context [default: etl.yaml\'s cluster.context, else the current one]' -r
complete -c etl -n "__fish_etl_using_subcommand deploy" -s n -l namespace -d 'The namespace [default: etl.yaml\'s cluster.namespace, else the context\'s]' -r
complete -c etl -n "__fish_etl_using_subcommand deploy" -s f -l file -d 'The project file [default: etl.yaml in this directory or the nearest parent]' -r -F
complete -c etl -n "__fish_etl_using_subcommand deploy" -l dry-run -d 'Ask the server what would happen (dryRun=All): nothing is saved'
complete -c etl -n "__fish_etl_using_subcommand deploy" -l prune -d 'Also delete this project\'s CronJobs whose job etl.yaml no longer schedules'
complete -c etl -n "__fish_etl_using_subcommand deploy" -s y -l yes -d 'Do not ask for confirmation before pruning'
complete -c etl -n "__fish_etl_using_subcommand deploy" -s q -l quiet -d 'Print only results and errors'
complete -c etl -n "__fish_etl_using_subcommand deploy" -s v -l verbose -d 'Say more about what etl does (repeat for more)'
complete -c etl -n "__fish_etl_using_subcommand deploy" -l no-input -d 'Never ask questions; fail with the flag to pass instead (also when CI is set)'
complete -c etl -n "__fish_etl_using_subcommand deploy" -s h -l help -d 'Print help'
complete -c etl -n "__fish_etl_using_subcommand deploy" -s V -l version -d 'Print version'
complete -c etl -n "__fish_etl_using_subcommand diff" -l image -d 'The image to run [default: the last `etl push`, else the repository\'s :latest]' -r
complete -c etl -n "__fish_etl_using_subcommand diff" -l scheduler-image -d 'etl\'s own image, which the scheduler runs [default: the last `etl push` of this etl]' -r
complete -c etl -n "__fish_etl_using_subcommand diff" -l context -d 'The kubeconfig context [default: etl.yaml\'s cluster.context, else the current one]' -r
complete -c etl -n "__fish_etl_using_subcommand diff" -s n -l namespace -d 'The namespace [default: etl.yaml\'s cluster.namespace, else the context\'s]' -r
complete -c etl -n "__fish_etl_using_subcommand diff" -s f -l file -d 'The project file [default: etl.yaml in this directory or the nearest parent]' -r -F
complete -c etl -n "__fish_etl_using_subcommand diff" -s q -l quiet -d 'Print only results and errors'
complete -c etl -n "__fish_etl_using_subcommand diff" -s v -l verbose -d 'Say more about what etl does (repeat for more)'
complete -c etl -n "__fish_etl_using_subcommand diff" -l no-input -d 'Never ask questions; fail with the flag to pass instead (also when CI is set)'
complete -c etl -n "__fish_etl_using_subcommand diff" -s h -l help -d 'Print help'
complete -c etl -n "__fish_etl_using_subcommand diff" -s V -l version -d 'Print version'
complete -c etl -n "__fish_etl_using_subcommand scheduler; and not __fish_seen_subcommand_from status help" -l listen -d 'Serve /healthz and /metrics (Prometheus) on this address' -r
complete -c etl -n "__fish_etl_using_subcommand scheduler; and not __fish_seen_subcommand_from status help" -l lease-seconds -d 'How long the leader\'s Lease lasts without renewal; a standby takes over after it' -r
complete -c etl -n "__fish_etl_using_subcommand scheduler; and not __fish_seen_subcommand_from status help" -l id -d 'This replica\'s name in the Lease [default: ETL_SCHEDULER_ID, else host and pid]' -r
complete -c etl -n "__fish_etl_using_subcommand scheduler; and not __fish_seen_subcommand_from status help" -l project-configmap -d 'Read the project from this ConfigMap (what `etl deploy` writes) instead of etl.yaml' -r
complete -c etl -n "__fish_etl_using_subcommand scheduler; and not __fish_seen_subcommand_from status help" -l image -d 'The image task Jobs run [default: the last `etl push`, else the repository\'s :latest]' -r
complete -c etl -n "__fish_etl_using_subcommand scheduler; and not __fish_seen_subcommand_from status help" -l context -d 'The kubeconfig context [default: etl.yaml\'s cluster.context, else the current one]' -r
complete -c etl -n "__fish_etl_using_subcommand scheduler; and not __fish_seen_subcommand_from status help" -s n -l namespace -d 'The namespace [default: etl.yaml\'s cluster.namespace, else the context\'s]' -r
complete -c etl -n "__fish_etl_using_subcommand scheduler; and not __fish_seen_subcommand_from status help" -s f -l file -d 'The project file [default: etl.yaml in this directory or the nearest parent]' -r -F
complete -c etl -n "__fish_etl_using_subcommand scheduler; and not __fish_seen_subcommand_from status help" -s q -l quiet -d 'Print only results and errors'
complete -c etl -n "__fish_etl_using_subcommand scheduler; and not __fish_seen_subcommand_from status help" -s v -l verbose -d 'Say more about what etl does (repeat for more)'
complete -c etl -n "__fish_etl_using_subcommand scheduler; and not __fish_seen_subcommand_from status help" -l no-input -d 'Never ask questions; fail with the flag to pass instead (also when CI is set)'
complete -c etl -n "__fish_etl_using_subcommand scheduler; and not __fish_seen_subcommand_from status help" -s h -l help -d 'Print help'
complete -c etl -n "__fish_etl_using_subcommand scheduler; and not __fish_seen_subcommand_from status help" -s V -l version -d 'Print version'
complete -c etl -n "__fish_etl_using_subcommand scheduler; and not __fish_seen_subcommand_from status help" -f -a "status" -d 'Whether a scheduler is running in the namespace: leader, version, last decisions'
complete -c etl -n "__fish_etl_using_subcommand scheduler; and not __fish_seen_subcommand_from status help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c etl -n "__fish_etl_using_subcommand scheduler; and __fish_seen_subcommand_from status" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c etl -n "__fish_etl_using_subcommand scheduler; and __fish_seen_subcommand_from status" -l context -d 'The kubeconfig context [default: etl.yaml\'s cluster.context, else the current one]' -r
complete -c etl -n "__fish_etl_using_subcommand scheduler; and __fish_seen_subcommand_from status" -s n -l namespace -d 'The namespace [default: etl.yaml\'s cluster.namespace, else the context\'s]' -r
complete -c etl -n "__fish_etl_using_subcommand scheduler; and __fish_seen_subcommand_from status" -s f -l file -d 'The project file [default: etl.yaml in this directory or the nearest parent]' -r -F
complete -c etl -n "__fish_etl_using_subcommand scheduler; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Print only results and errors'
complete -c etl -n "__fish_etl_using_subcommand scheduler; and __fish_seen_subcommand_from status" -s v -l verbose -d 'Say more about what etl does (repeat for more)'
complete -c etl -n "__fish_etl_using_subcommand scheduler; and __fish_seen_subcommand_from status" -l no-input -d 'Never ask questions; fail with the flag to pass instead (also when CI is set)'
complete -c etl -n "__fish_etl_using_subcommand scheduler; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c etl -n "__fish_etl_using_subcommand scheduler; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c etl -n "__fish_etl_using_subcommand scheduler; and __fish_seen_subcommand_from help" -f -a "status" -d 'Whether a scheduler is running in the namespace: leader, version, last decisions'
complete -c etl -n "__fish_etl_using_subcommand scheduler; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c etl -n "__fish_etl_using_subcommand history" -l since -d 'How far back [default: 30d]' -r
complete -c etl -n "__fish_etl_using_subcommand history" -l start -d 'The range\'s start: a date (midnight in each row\'s time zone) or an RFC 3339 timestamp' -r
complete -c etl -n "__fish_etl_using_subcommand history" -l end -d 'The range\'s end, not included' -r
complete -c etl -n "__fish_etl_using_subcommand history" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c etl -n "__fish_etl_using_subcommand history" -l context -d 'The kubeconfig context [default: etl.yaml\'s cluster.context, else the current one]' -r
complete -c etl -n "__fish_etl_using_subcommand history" -s n -l namespace -d 'The namespace [default: etl.yaml\'s cluster.namespace, else the context\'s]' -r
complete -c etl -n "__fish_etl_using_subcommand history" -s f -l file -d 'The project file [default: etl.yaml in this directory or the nearest parent]' -r -F
complete -c etl -n "__fish_etl_using_subcommand history" -l local -d 'This machine\'s runs, not the cluster\'s'
complete -c etl -n "__fish_etl_using_subcommand history" -s q -l quiet -d 'Print only results and errors'
complete -c etl -n "__fish_etl_using_subcommand history" -s v -l verbose -d 'Say more about what etl does (repeat for more)'
complete -c etl -n "__fish_etl_using_subcommand history" -l no-input -d 'Never ask questions; fail with the flag to pass instead (also when CI is set)'
complete -c etl -n "__fish_etl_using_subcommand history" -s h -l help -d 'Print help'
complete -c etl -n "__fish_etl_using_subcommand history" -s V -l version -d 'Print version'
complete -c etl -n "__fish_etl_using_subcommand backfill; and not __fish_seen_subcommand_from status follow cancel help" -l start -d 'The first day (or instant) of the range' -r
complete -c etl -n "__fish_etl_using_subcommand backfill; and not __fish_seen_subcommand_from status follow cancel help" -l end -d 'The end of the range, not included' -r
complete -c etl -n "__fish_etl_using_subcommand backfill; and not __fish_seen_subcommand_from status follow cancel help" -l only -d 'Which windows run' -r -f -a "missing\t'Windows that never completed'
failed\t'Windows whose last attempt failed or was cancelled'
all\t'Every window'"
complete -c etl -n "__fish_etl_using_subcommand backfill; and not __fish_seen_subcommand_from status follow cancel help" -l parallel -d 'Runs at once' -r
complete -c etl -n "__fish_etl_using_subcommand backfill; and not __fish_seen_subcommand_from status follow cancel help" -l step -d 'Cut the range into runs of this length (1w, 1d, 6h) instead of the job\'s window' -r
complete -c etl -n "__fish_etl_using_subcommand backfill; and not __fish_seen_subcommand_from status follow cancel help" -l context -d 'The kubeconfig context [default: etl.yaml\'s cluster.context, else the current one]' -r
complete -c etl -n "__fish_etl_using_subcommand backfill; and not __fish_seen_subcommand_from status follow cancel help" -s n -l namespace -d 'The namespace [default: etl.yaml\'s cluster.namespace, else the context\'s]' -r
complete -c etl -n "__fish_etl_using_subcommand backfill; and not __fish_seen_subcommand_from status follow cancel help" -s f -l file -d 'The project file [default: etl.yaml in this directory or the nearest parent]' -r -F
complete -c etl -n "__fish_etl_using_subcommand backfill; and not __fish_seen_subcommand_from status follow cancel help" -l dry-run -d 'Print the plan and stop'
complete -c etl -n "__fish_etl_using_subcommand backfill; and not __fish_seen_subcommand_from status follow cancel help" -s y -l yes -d 'Do not ask for confirmation'
complete -c etl -n "__fish_etl_using_subcommand backfill; and not __fish_seen_subcommand_from status follow cancel help" -l local -d 'Run here, as local processes, against this machine\'s history'
complete -c etl -n "__fish_etl_using_subcommand backfill; and not __fish_seen_subcommand_from status follow cancel help" -s q -l quiet -d 'Print only results and errors'
complete -c etl -n "__fish_etl_using_subcommand backfill; and not __fish_seen_subcommand_from status follow cancel help" -s v -l verbose -d 'Say more about what etl does (repeat for more)'
complete -c etl -n "__fish_etl_using_subcommand backfill; and not __fish_seen_subcommand_from status follow cancel help" -l no-input -d 'Never ask questions; fail with the flag to pass instead (also when CI is set)'
complete -c etl -n "__fish_etl_using_subcommand backfill; and not __fish_seen_subcommand_from status follow cancel help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c etl -n "__fish_etl_using_subcommand backfill; and not __fish_seen_subcommand_from status follow cancel help" -s V -l version -d 'Print version'
complete -c etl -n "__fish_etl_using_subcommand backfill; and not __fish_seen_subcommand_from status follow cancel help" -a "status" -d 'A backfill\'s windows: done, failed, running, waiting'
complete -c etl -n "__fish_etl_using_subcommand backfill; and not __fish_seen_subcommand_from status follow cancel help" -a "follow" -d 'Print a line per change until the backfill ends; exit 0 when every run completed'
complete -c etl -n "__fish_etl_using_subcommand backfill; and not __fish_seen_subcommand_from status follow cancel help" -a "cancel" -d 'Stop a backfill: no new runs, and its unfinished runs are cancelled'
complete -c etl -n "__fish_etl_using_subcommand backfill; and not __fish_seen_subcommand_from status follow cancel help" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c etl -n "__fish_etl_using_subcommand backfill; and __fish_seen_subcommand_from status" -l context -d 'The kubeconfig context [default: etl.yaml\'s cluster.context, else the current one]' -r
complete -c etl -n "__fish_etl_using_subcommand backfill; and __fish_seen_subcommand_from status" -s n -l namespace -d 'The namespace [default: etl.yaml\'s cluster.namespace, else the context\'s]' -r
complete -c etl -n "__fish_etl_using_subcommand backfill; and __fish_seen_subcommand_from status" -s f -l file -d 'The project file [default: etl.yaml in this directory or the nearest parent]' -r -F
complete -c etl -n "__fish_etl_using_subcommand backfill; and __fish_seen_subcommand_from status" -s y -l yes -d 'Do not ask for confirmation (cancel)'
complete -c etl -n "__fish_etl_using_subcommand backfill; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Print only results and errors'
complete -c etl -n "__fish_etl_using_subcommand backfill; and __fish_seen_subcommand_from status" -s v -l verbose -d 'Say more about what etl does (repeat for more)'
complete -c etl -n "__fish_etl_using_subcommand backfill; and __fish_seen_subcommand_from status" -l no-input -d 'Never ask questions; fail with the flag to pass instead (also when CI is set)'
complete -c etl -n "__fish_etl_using_subcommand backfill; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c etl -n "__fish_etl_using_subcommand backfill; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c etl -n "__fish_etl_using_subcommand backfill; and __fish_seen_subcommand_from follow" -l context -d 'The kubeconfig context [default: etl.yaml\'s cluster.context, else the current one]' -r
complete -c etl -n "__fish_etl_using_subcommand backfill; and __fish_seen_subcommand_from follow" -s n -l namespace -d 'The namespace [default: etl.yaml\'s cluster.namespace, else the context\'s]' -r
complete -c etl -n "__fish_etl_using_subcommand backfill; and __fish_seen_subcommand_from follow" -s f -l file -d 'The project file [default: etl.yaml in this directory or the nearest parent]' -r -F
complete -c etl -n "__fish_etl_using_subcommand backfill; and __fish_seen_subcommand_from follow" -s y -l yes -d 'Do not ask for confirmation (cancel)'
complete -c etl -n "__fish_etl_using_subcommand backfill; and __fish_seen_subcommand_from follow" -s q -l quiet -d 'Print only results and errors'
complete -c etl -n "__fish_etl_using_subcommand backfill; and __fish_seen_subcommand_from follow" -s v -l verbose -d 'Say more about what etl does (repeat for more)'
complete -c etl -n "__fish_etl_using_subcommand backfill; and __fish_seen_subcommand_from follow" -l no-input -d 'Never ask questions; fail with the flag to pass instead (also when CI is set)'
complete -c etl -n "__fish_etl_using_subcommand backfill; and __fish_seen_subcommand_from follow" -s h -l help -d 'Print help'
complete -c etl -n "__fish_etl_using_subcommand backfill; and __fish_seen_subcommand_from follow" -s V -l version -d 'Print version'
complete -c etl -n "__fish_etl_using_subcommand backfill; and __fish_seen_subcommand_from cancel" -l context -d 'The kubeconfig context [default: etl.yaml\'s cluster.context, else the current one]' -r
complete -c etl -n "__fish_etl_using_subcommand backfill; and __fish_seen_subcommand_from cancel" -s n -l namespace -d 'The namespace [default: etl.yaml\'s cluster.namespace, else the context\'s]' -r
complete -c etl -n "__fish_etl_using_subcommand backfill; and __fish_seen_subcommand_from cancel" -s f -l file -d 'The project file [default: etl.yaml in this directory or the nearest parent]' -r -F
complete -c etl -n "__fish_etl_using_subcommand backfill; and __fish_seen_subcommand_from cancel" -s y -l yes -d 'Do not ask for confirmation (cancel)'
complete -c etl -n "__fish_etl_using_subcommand backfill; and __fish_seen_subcommand_from cancel" -s q -l quiet -d 'Print only results and errors'
complete -c etl -n "__fish_etl_using_subcommand backfill; and __fish_seen_subcommand_from cancel" -s v -l verbose -d 'Say more about what etl does (repeat for more)'
complete -c etl -n "__fish_etl_using_subcommand backfill; and __fish_seen_subcommand_from cancel" -l no-input -d 'Never ask questions; fail with the flag to pass instead (also when CI is set)'
complete -c etl -n "__fish_etl_using_subcommand backfill; and __fish_seen_subcommand_from cancel" -s h -l help -d 'Print help'
complete -c etl -n "__fish_etl_using_subcommand backfill; and __fish_seen_subcommand_from cancel" -s V -l version -d 'Print version'
complete -c etl -n "__fish_etl_using_subcommand backfill; and __fish_seen_subcommand_from help" -f -a "status" -d 'A backfill\'s windows: done, failed, running, waiting'
complete -c etl -n "__fish_etl_using_subcommand backfill; and __fish_seen_subcommand_from help" -f -a "follow" -d 'Print a line per change until the backfill ends; exit 0 when every run completed'
complete -c etl -n "__fish_etl_using_subcommand backfill; and __fish_seen_subcommand_from help" -f -a "cancel" -d 'Stop a backfill: no new runs, and its unfinished runs are cancelled'
complete -c etl -n "__fish_etl_using_subcommand backfill; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c etl -n "__fish_etl_using_subcommand logs" -l context -d 'The kubeconfig context [default: etl.yaml\'s cluster.context, else the current one]' -r
complete -c etl -n "__fish_etl_using_subcommand logs" -s n -l namespace -d 'The namespace [default: etl.yaml\'s cluster.namespace, else the context\'s]' -r
complete -c etl -n "__fish_etl_using_subcommand logs" -s f -l file -d 'The project file [default: etl.yaml in this directory or the nearest parent]' -r -F
complete -c etl -n "__fish_etl_using_subcommand logs" -s q -l quiet -d 'Print only results and errors'
complete -c etl -n "__fish_etl_using_subcommand logs" -s v -l verbose -d 'Say more about what etl does (repeat for more)'
complete -c etl -n "__fish_etl_using_subcommand logs" -l no-input -d 'Never ask questions; fail with the flag to pass instead (also when CI is set)'
complete -c etl -n "__fish_etl_using_subcommand logs" -s h -l help -d 'Print help'
complete -c etl -n "__fish_etl_using_subcommand logs" -s V -l version -d 'Print version'
complete -c etl -n "__fish_etl_using_subcommand completions" -s f -l file -d 'The project file [default: etl.yaml in this directory or the nearest parent]' -r -F
complete -c etl -n "__fish_etl_using_subcommand completions" -s q -l quiet -d 'Print only results and errors'
complete -c etl -n "__fish_etl_using_subcommand completions" -s v -l verbose -d 'Say more about what etl does (repeat for more)'
complete -c etl -n "__fish_etl_using_subcommand completions" -l no-input -d 'Never ask questions; fail with the flag to pass instead (also when CI is set)'
complete -c etl -n "__fish_etl_using_subcommand completions" -s h -l help -d 'Print help'
complete -c etl -n "__fish_etl_using_subcommand completions" -s V -l version -d 'Print version'
complete -c etl -n "__fish_etl_using_subcommand help; and not __fish_seen_subcommand_from init render jobs workflows runs build push deploy diff scheduler history backfill logs completions help" -f -a "init" -d 'Start a project here: a commented etl.yaml, an example job and the default templates'
complete -c etl -n "__fish_etl_using_subcommand help; and not __fish_seen_subcommand_from init render jobs workflows runs build push deploy diff scheduler history backfill logs completions help" -f -a "render" -d 'Print the Kubernetes manifests etl would create, without a cluster'
complete -c etl -n "__fish_etl_using_subcommand help; and not __fish_seen_subcommand_from init render jobs workflows runs build push deploy diff scheduler history backfill logs completions help" -f -a "jobs" -d 'List, run and schedule jobs'
complete -c etl -n "__fish_etl_using_subcommand help; and not __fish_seen_subcommand_from init render jobs workflows runs build push deploy diff scheduler history backfill logs completions help" -f -a "workflows" -d 'Workflows: DAGs of jobs run in dependency order'
complete -c etl -n "__fish_etl_using_subcommand help; and not __fish_seen_subcommand_from init render jobs workflows runs build push deploy diff scheduler history backfill logs completions help" -f -a "runs" -d 'List runs in the cluster (manual and scheduled), or on this machine with --local'
complete -c etl -n "__fish_etl_using_subcommand help; and not __fish_seen_subcommand_from init render jobs workflows runs build push deploy diff scheduler history backfill logs completions help" -f -a "build" -d 'Build the job image from etl.yaml\'s `image` with docker, podman, buildah or nerdctl'
complete -c etl -n "__fish_etl_using_subcommand help; and not __fish_seen_subcommand_from init render jobs workflows runs build push deploy diff scheduler history backfill logs completions help" -f -a "push" -d 'Push the job image and pin runs (render, schedule, deploy) to its digest'
complete -c etl -n "__fish_etl_using_subcommand help; and not __fish_seen_subcommand_from init render jobs workflows runs build push deploy diff scheduler history backfill logs completions help" -f -a "deploy" -d 'Apply the CronJobs of scheduled jobs and their Secrets to the cluster'
complete -c etl -n "__fish_etl_using_subcommand help; and not __fish_seen_subcommand_from init render jobs workflows runs build push deploy diff scheduler history backfill logs completions help" -f -a "diff" -d 'Show what `etl deploy` would change in the cluster (exit 1 when something would)'
complete -c etl -n "__fish_etl_using_subcommand help; and not __fish_seen_subcommand_from init render jobs workflows runs build push deploy diff scheduler history backfill logs completions help" -f -a "scheduler" -d 'Drive workflow runs in the cluster and fire workflow schedules (what `etl deploy` runs there)'
complete -c etl -n "__fish_etl_using_subcommand help; and not __fish_seen_subcommand_from init render jobs workflows runs build push deploy diff scheduler history backfill logs completions help" -f -a "history" -d 'Which windows ran, for each job and workflow: a calendar of done, failed, missing'
complete -c etl -n "__fish_etl_using_subcommand help; and not __fish_seen_subcommand_from init render jobs workflows runs build push deploy diff scheduler history backfill logs completions help" -f -a "backfill" -d 'Run a job or workflow for every window of a range that has not completed (or failed)'
complete -c etl -n "__fish_etl_using_subcommand help; and not __fish_seen_subcommand_from init render jobs workflows runs build push deploy diff scheduler history backfill logs completions help" -f -a "logs" -d 'Print what is left of a run\'s logs in the cluster: every pod, every attempt'
complete -c etl -n "__fish_etl_using_subcommand help; and not __fish_seen_subcommand_from init render jobs workflows runs build push deploy diff scheduler history backfill logs completions help" -f -a "completions" -d 'Print a shell completion script (bash, elvish, fish, powershell, zsh)'
complete -c etl -n "__fish_etl_using_subcommand help; and not __fish_seen_subcommand_from init render jobs workflows runs build push deploy diff scheduler history backfill logs completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c etl -n "__fish_etl_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "list" -d 'List the jobs of etl.yaml'
complete -c etl -n "__fish_etl_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "run" -d 'Run a job here, as a local process (or in its image with --container), for a window'
complete -c etl -n "__fish_etl_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "schedule" -d 'Start a run of a job in the cluster now, for a window'
complete -c etl -n "__fish_etl_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "follow" -d 'Stream a run\'s logs until it ends, and exit with its status'
complete -c etl -n "__fish_etl_using_subcommand help; and __fish_seen_subcommand_from jobs" -f -a "cancel" -d 'Stop a run and its pods'
complete -c etl -n "__fish_etl_using_subcommand help; and __fish_seen_subcommand_from workflows" -f -a "list" -d 'List the workflows of etl.yaml, their tasks in order, schedules and last local runs'
complete -c etl -n "__fish_etl_using_subcommand help; and __fish_seen_subcommand_from workflows" -f -a "show" -d 'Draw a workflow\'s DAG: levels of tasks, each with the tasks it runs after'
complete -c etl -n "__fish_etl_using_subcommand help; and __fish_seen_subcommand_from workflows" -f -a "run" -d 'Run a whole workflow here, as local processes, in dependency order'
complete -c etl -n "__fish_etl_using_subcommand help; and __fish_seen_subcommand_from workflows" -f -a "schedule" -d 'Start a workflow run in the cluster, for a window (the scheduler drives it)'
complete -c etl -n "__fish_etl_using_subcommand help; and __fish_seen_subcommand_from workflows" -f -a "follow" -d 'Show a workflow run\'s progress in the cluster and its tasks\' logs, until it ends'
complete -c etl -n "__fish_etl_using_subcommand help; and __fish_seen_subcommand_from workflows" -f -a "cancel" -d 'Stop a workflow run in the cluster: every task, and their pods'
complete -c etl -n "__fish_etl_using_subcommand help; and __fish_seen_subcommand_from workflows" -f -a "retry" -d 'Run again only the failed tasks of a workflow run and what they blocked'
complete -c etl -n "__fish_etl_using_subcommand help; and __fish_seen_subcommand_from workflows" -f -a "render" -d 'Print the objects a workflow run is in the cluster: a ConfigMap and one Job per task'
complete -c etl -n "__fish_etl_using_subcommand help; and __fish_seen_subcommand_from workflows" -f -a "runs" -d 'List workflow runs (on this machine, or in the cluster with --cluster), newest first'
complete -c etl -n "__fish_etl_using_subcommand help; and __fish_seen_subcommand_from scheduler" -f -a "status" -d 'Whether a scheduler is running in the namespace: leader, version, last decisions'
complete -c etl -n "__fish_etl_using_subcommand help; and __fish_seen_subcommand_from backfill" -f -a "status" -d 'A backfill\'s windows: done, failed, running, waiting'
complete -c etl -n "__fish_etl_using_subcommand help; and __fish_seen_subcommand_from backfill" -f -a "follow" -d 'Print a line per change until the backfill ends; exit 0 when every run completed'
complete -c etl -n "__fish_etl_using_subcommand help; and __fish_seen_subcommand_from backfill" -f -a "cancel" -d 'Stop a backfill: no new runs, and its unfinished runs are cancelled'
