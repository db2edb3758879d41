#compdef etl

autoload -U is-at-least

_etl() {
    typeset -A opt_args
    typeset -a _arguments_options
    local ret=1

    if is-at-least 5.2; then
        _arguments_options=(-s -S -C)
    else
        _arguments_options=(-s -C)
    fi

    local context curcontext="$curcontext" state line
    _arguments "${_arguments_options[@]}" : \
'-f+[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--file=[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'(-v --verbose)-q[Print only results and errors]' \
'(-v --verbose)--quiet[Print only results and errors]' \
'*-v[Say more about what etl does (repeat for more)]' \
'*--verbose[Say more about what etl does (repeat for more)]' \
'--no-input[Never ask questions; fail with the flag to pass instead (also when CI is set)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
":: :_etl_commands" \
"*::: :->etl" \
&& ret=0
    case $state in
    (etl)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:etl-command-$line[1]:"
        case $line[1] in
            (init)
_arguments "${_arguments_options[@]}" : \
'--name=[The project'\''s name \[default\: this directory'\''s name\]]:NAME:_default' \
'-f+[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--file=[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--force[Overwrite etl.yaml and templates that already exist]' \
'(-v --verbose)-q[Print only results and errors]' \
'(-v --verbose)--quiet[Print only results and errors]' \
'*-v[Say more about what etl does (repeat for more)]' \
'*--verbose[Say more about what etl does (repeat for more)]' \
'--no-input[Never ask questions; fail with the flag to pass instead (also when CI is set)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(render)
_arguments "${_arguments_options[@]}" : \
'--date=[One day]:YYYY-MM-DD:_default' \
'--start=[The start of a custom window\: a date or an RFC 3339 timestamp (with --end)]:T:_default' \
'--end=[The end of a custom window, not included (with --start)]:T:_default' \
'*--config=[Set a config value, typed by the job'\''s params (repeatable)\: --config bucket=raw]:KEY=VALUE:_default' \
'*--set=[Override any field of the job for this run (repeatable)\: --set resources.memory=8Gi]:PATH=VALUE:_default' \
'--image=[The image to run \[default\: the last \`etl push\`, else the repository'\''s \:latest\]]:REF:_default' \
'--scheduler-image=[etl'\''s own image, which the scheduler runs \[default\: the last \`etl push\` of this etl\]]:REF:_default' \
'-n+[The namespace \[default\: etl.yaml'\''s cluster.namespace, else \`default\`\]]:NAMESPACE:_default' \
'--namespace=[The namespace \[default\: etl.yaml'\''s cluster.namespace, else \`default\`\]]:NAMESPACE:_default' \
'-o+[Output format]:OUTPUT:(yaml json)' \
'--output=[Output format]:OUTPUT:(yaml json)' \
'-f+[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--file=[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--yesterday[Yesterday, midnight to midnight]' \
'--today[Today, midnight to midnight]' \
'--last-week[The previous week, Monday to Monday]' \
'(--yesterday --today --last-week --date --start --end)--cron[Render the CronJob of a scheduled job (of every scheduled job without JOB)]' \
'(--yesterday --today --last-week --date --start --end --cron)--secrets[Render the Secrets declared in etl.yaml]' \
'(--yesterday --today --last-week --date --start --end --cron --secrets)--scheduler[Render the scheduler'\''s objects and the project ConfigMap \`etl deploy\` applies]' \
'--show-secrets[Show secret values instead of <redacted>]' \
'(-v --verbose)-q[Print only results and errors]' \
'(-v --verbose)--quiet[Print only results and errors]' \
'*-v[Say more about what etl does (repeat for more)]' \
'*--verbose[Say more about what etl does (repeat for more)]' \
'--no-input[Never ask questions; fail with the flag to pass instead (also when CI is set)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
'::job -- The job to render (see `etl jobs list`):_default' \
&& ret=0
;;
(jobs)
_arguments "${_arguments_options[@]}" : \
'-f+[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--file=[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'(-v --verbose)-q[Print only results and errors]' \
'(-v --verbose)--quiet[Print only results and errors]' \
'*-v[Say more about what etl does (repeat for more)]' \
'*--verbose[Say more about what etl does (repeat for more)]' \
'--no-input[Never ask questions; fail with the flag to pass instead (also when CI is set)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
":: :_etl__subcmd__jobs_commands" \
"*::: :->jobs" \
&& ret=0

    case $state in
    (jobs)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:etl-jobs-command-$line[1]:"
        case $line[1] in
            (list)
_arguments "${_arguments_options[@]}" : \
'-o+[Output format]:OUTPUT:(table json)' \
'--output=[Output format]:OUTPUT:(table json)' \
'--context=[The kubeconfig context \[default\: etl.yaml'\''s cluster.context, else the current one\]]:NAME:_default' \
'-n+[The namespace \[default\: etl.yaml'\''s cluster.namespace, else the context'\''s\]]:NAME:_default' \
'--namespace=[The namespace \[default\: etl.yaml'\''s cluster.namespace, else the context'\''s\]]:NAME:_default' \
'-f+[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--file=[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--offline[Do not ask the cluster for the last runs (LAST RUN shows \`?\`)]' \
'(-v --verbose)-q[Print only results and errors]' \
'(-v --verbose)--quiet[Print only results and errors]' \
'*-v[Say more about what etl does (repeat for more)]' \
'*--verbose[Say more about what etl does (repeat for more)]' \
'--no-input[Never ask questions; fail with the flag to pass instead (also when CI is set)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(run)
_arguments "${_arguments_options[@]}" : \
'--date=[One day]:YYYY-MM-DD:_default' \
'--start=[The start of a custom window\: a date or an RFC 3339 timestamp (with --end)]:T:_default' \
'--end=[The end of a custom window, not included (with --start)]:T:_default' \
'--step=[Split the window into consecutive runs of this length (1d, 6h, 1w), one after another]:DURATION:_default' \
'*--config=[Set a config value, typed by the job'\''s params (repeatable)\: --config bucket=raw]:KEY=VALUE:_default' \
'*--set=[Override any field of the job for this run (repeatable)\: --set resources.memory=8Gi]:PATH=VALUE:_default' \
'--image=[With --container\: the image \[default\: the last \`etl push\`, else the repository'\''s \:latest\]]:REF:_default' \
'-f+[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--file=[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--yesterday[Yesterday, midnight to midnight]' \
'--today[Today, midnight to midnight]' \
'--last-week[The previous week, Monday to Monday]' \
'--keep-going[With --step\: run every window even after one fails]' \
'--container[Run in the project'\''s image through the container engine instead of as a local process]' \
'--mount[With --container\: mount the project directory at /work and start there]' \
'-y[Do not ask for confirmation after the questions etl asks for a missing job or window]' \
'--yes[Do not ask for confirmation after the questions etl asks for a missing job or window]' \
'(-v --verbose)-q[Print only results and errors]' \
'(-v --verbose)--quiet[Print only results and errors]' \
'*-v[Say more about what etl does (repeat for more)]' \
'*--verbose[Say more about what etl does (repeat for more)]' \
'--no-input[Never ask questions; fail with the flag to pass instead (also when CI is set)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
'::job -- The job to run (see `etl jobs list`):_default' \
&& ret=0
;;
(schedule)
_arguments "${_arguments_options[@]}" : \
'--date=[One day]:YYYY-MM-DD:_default' \
'--start=[The start of a custom window\: a date or an RFC 3339 timestamp (with --end)]:T:_default' \
'--end=[The end of a custom window, not included (with --start)]:T:_default' \
'*--config=[Set a config value, typed by the job'\''s params (repeatable)\: --config bucket=raw]:KEY=VALUE:_default' \
'*--set=[Override any field of the job for this run (repeatable)\: --set resources.memory=8Gi]:PATH=VALUE:_default' \
'--image=[The image to run \[default\: the last \`etl push\`, else the repository'\''s \:latest\]]:REF:_default' \
'--context=[The kubeconfig context \[default\: etl.yaml'\''s cluster.context, else the current one\]]:NAME:_default' \
'-n+[The namespace \[default\: etl.yaml'\''s cluster.namespace, else the context'\''s\]]:NAME:_default' \
'--namespace=[The namespace \[default\: etl.yaml'\''s cluster.namespace, else the context'\''s\]]:NAME:_default' \
'-f+[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--file=[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--yesterday[Yesterday, midnight to midnight]' \
'--today[Today, midnight to midnight]' \
'--last-week[The previous week, Monday to Monday]' \
'(--wait)--follow[Stream the run'\''s logs until it ends, and exit with its status]' \
'--wait[Wait for the run to end, silently, and exit with its status]' \
'--rerun[Start a new attempt when this window already has a run]' \
'-y[Do not ask for confirmation]' \
'--yes[Do not ask for confirmation]' \
'(-v --verbose)-q[Print only results and errors]' \
'(-v --verbose)--quiet[Print only results and errors]' \
'*-v[Say more about what etl does (repeat for more)]' \
'*--verbose[Say more about what etl does (repeat for more)]' \
'--no-input[Never ask questions; fail with the flag to pass instead (also when CI is set)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
'::job -- The job to run (see `etl jobs list`); asked for on a terminal when left out:_default' \
&& ret=0
;;
(follow)
_arguments "${_arguments_options[@]}" : \
'--context=[The kubeconfig context \[default\: etl.yaml'\''s cluster.context, else the current one\]]:NAME:_default' \
'-n+[The namespace \[default\: etl.yaml'\''s cluster.namespace, else the context'\''s\]]:NAME:_default' \
'--namespace=[The namespace \[default\: etl.yaml'\''s cluster.namespace, else the context'\''s\]]:NAME:_default' \
'-f+[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--file=[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'(-v --verbose)-q[Print only results and errors]' \
'(-v --verbose)--quiet[Print only results and errors]' \
'*-v[Say more about what etl does (repeat for more)]' \
'*--verbose[Say more about what etl does (repeat for more)]' \
'--no-input[Never ask questions; fail with the flag to pass instead (also when CI is set)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
'::run -- The run (see `etl runs`) \[default\: the newest run scheduled from this machine\]:_default' \
&& ret=0
;;
(cancel)
_arguments "${_arguments_options[@]}" : \
'--context=[The kubeconfig context \[default\: etl.yaml'\''s cluster.context, else the current one\]]:NAME:_default' \
'-n+[The namespace \[default\: etl.yaml'\''s cluster.namespace, else the context'\''s\]]:NAME:_default' \
'--namespace=[The namespace \[default\: etl.yaml'\''s cluster.namespace, else the context'\''s\]]:NAME:_default' \
'-f+[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--file=[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'-y[Do not ask for confirmation]' \
'--yes[Do not ask for confirmation]' \
'(-v --verbose)-q[Print only results and errors]' \
'(-v --verbose)--quiet[Print only results and errors]' \
'*-v[Say more about what etl does (repeat for more)]' \
'*--verbose[Say more about what etl does (repeat for more)]' \
'--no-input[Never ask questions; fail with the flag to pass instead (also when CI is set)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
':run -- The run to stop (see `etl runs`):_default' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_etl__subcmd__jobs__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:etl-jobs-help-command-$line[1]:"
        case $line[1] in
            (list)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(run)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(schedule)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(follow)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(cancel)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(workflows)
_arguments "${_arguments_options[@]}" : \
'-f+[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--file=[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'(-v --verbose)-q[Print only results and errors]' \
'(-v --verbose)--quiet[Print only results and errors]' \
'*-v[Say more about what etl does (repeat for more)]' \
'*--verbose[Say more about what etl does (repeat for more)]' \
'--no-input[Never ask questions; fail with the flag to pass instead (also when CI is set)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
":: :_etl__subcmd__workflows_commands" \
"*::: :->workflows" \
&& ret=0

    case $state in
    (workflows)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:etl-workflows-command-$line[1]:"
        case $line[1] in
            (list)
_arguments "${_arguments_options[@]}" : \
'-o+[Output format]:OUTPUT:(table json)' \
'--output=[Output format]:OUTPUT:(table json)' \
'-f+[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--file=[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'(-v --verbose)-q[Print only results and errors]' \
'(-v --verbose)--quiet[Print only results and errors]' \
'*-v[Say more about what etl does (repeat for more)]' \
'*--verbose[Say more about what etl does (repeat for more)]' \
'--no-input[Never ask questions; fail with the flag to pass instead (also when CI is set)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(show)
_arguments "${_arguments_options[@]}" : \
'-f+[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--file=[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--dot[Print the DAG in Graphviz'\''s dot language instead]' \
'(-v --verbose)-q[Print only results and errors]' \
'(-v --verbose)--quiet[Print only results and errors]' \
'*-v[Say more about what etl does (repeat for more)]' \
'*--verbose[Say more about what etl does (repeat for more)]' \
'--no-input[Never ask questions; fail with the flag to pass instead (also when CI is set)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
':workflow -- The workflow (see `etl workflows list`):_default' \
&& ret=0
;;
(run)
_arguments "${_arguments_options[@]}" : \
'--date=[One day]:YYYY-MM-DD:_default' \
'--start=[The start of a custom window\: a date or an RFC 3339 timestamp (with --end)]:T:_default' \
'--end=[The end of a custom window, not included (with --start)]:T:_default' \
'--step=[Split the window into consecutive workflow runs of this length (1d, 6h, 1w)]:DURATION:_default' \
'--parallel=[Tasks running at once \[default\: the workflow'\''s max_parallel, else no limit\]]:N:_default' \
'-f+[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--file=[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--yesterday[Yesterday, midnight to midnight]' \
'--today[Today, midnight to midnight]' \
'--last-week[The previous week, Monday to Monday]' \
'--keep-going[With --step\: run every window even after one fails]' \
'--retry-failed[Run again only the tasks that did not complete in this window'\''s last local run]' \
'(-v --verbose)-q[Print only results and errors]' \
'(-v --verbose)--quiet[Print only results and errors]' \
'*-v[Say more about what etl does (repeat for more)]' \
'*--verbose[Say more about what etl does (repeat for more)]' \
'--no-input[Never ask questions; fail with the flag to pass instead (also when CI is set)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
':workflow -- The workflow (see `etl workflows list`):_default' \
&& ret=0
;;
(schedule)
_arguments "${_arguments_options[@]}" : \
'--date=[One day]:YYYY-MM-DD:_default' \
'--start=[The start of a custom window\: a date or an RFC 3339 timestamp (with --end)]:T:_default' \
'--end=[The end of a custom window, not included (with --start)]:T:_default' \
'--image=[The image to run \[default\: the last \`etl push\`, else the repository'\''s \:latest\]]:REF:_default' \
'--context=[The kubeconfig context \[default\: etl.yaml'\''s cluster.context, else the current one\]]:NAME:_default' \
'-n+[The namespace \[default\: etl.yaml'\''s cluster.namespace, else the context'\''s\]]:NAME:_default' \
'--namespace=[The namespace \[default\: etl.yaml'\''s cluster.namespace, else the context'\''s\]]:NAME:_default' \
'-f+[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--file=[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--yesterday[Yesterday, midnight to midnight]' \
'--today[Today, midnight to midnight]' \
'--last-week[The previous week, Monday to Monday]' \
'--follow[Show the run'\''s progress and logs until it ends, and exit with its state]' \
'--rerun[Start a new attempt when this window already has a run]' \
'-y[Do not ask for confirmation]' \
'--yes[Do not ask for confirmation]' \
'(-v --verbose)-q[Print only results and errors]' \
'(-v --verbose)--quiet[Print only results and errors]' \
'*-v[Say more about what etl does (repeat for more)]' \
'*--verbose[Say more about what etl does (repeat for more)]' \
'--no-input[Never ask questions; fail with the flag to pass instead (also when CI is set)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
':workflow -- The workflow (see `etl workflows list`):_default' \
&& ret=0
;;
(follow)
_arguments "${_arguments_options[@]}" : \
'--context=[The kubeconfig context \[default\: etl.yaml'\''s cluster.context, else the current one\]]:NAME:_default' \
'-n+[The namespace \[default\: etl.yaml'\''s cluster.namespace, else the context'\''s\]]:NAME:_default' \
'--namespace=[The namespace \[default\: etl.yaml'\''s cluster.namespace, else the context'\''s\]]:NAME:_default' \
'-f+[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--file=[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'(-v --verbose)-q[Print only results and errors]' \
'(-v --verbose)--quiet[Print only results and errors]' \
'*-v[Say more about what etl does (repeat for more)]' \
'*--verbose[Say more about what etl does (repeat for more)]' \
'--no-input[Never ask questions; fail with the flag to pass instead (also when CI is set)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
'::run -- The workflow run (see `etl workflows runs --cluster`) \[default\: the newest scheduled from here\]:_default' \
&& ret=0
;;
(cancel)
_arguments "${_arguments_options[@]}" : \
'--context=[The kubeconfig context \[default\: etl.yaml'\''s cluster.context, else the current one\]]:NAME:_default' \
'-n+[The namespace \[default\: etl.yaml'\''s cluster.namespace, else the context'\''s\]]:NAME:_default' \
'--namespace=[The namespace \[default\: etl.yaml'\''s cluster.namespace, else the context'\''s\]]:NAME:_default' \
'-f+[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--file=[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'-y[Do not ask for confirmation]' \
'--yes[Do not ask for confirmation]' \
'(-v --verbose)-q[Print only results and errors]' \
'(-v --verbose)--quiet[Print only results and errors]' \
'*-v[Say more about what etl does (repeat for more)]' \
'*--verbose[Say more about what etl does (repeat for more)]' \
'--no-input[Never ask questions; fail with the flag to pass instead (also when CI is set)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
':run -- The workflow run to stop (see `etl workflows runs --cluster`):_default' \
&& ret=0
;;
(retry)
_arguments "${_arguments_options[@]}" : \
'--parallel=[Local runs\: tasks running at once \[default\: the workflow'\''s max_parallel, else no limit\]]:N:_default' \
'--context=[The kubeconfig context \[default\: etl.yaml'\''s cluster.context, else the current one\]]:NAME:_default' \
'-n+[The namespace \[default\: etl.yaml'\''s cluster.namespace, else the context'\''s\]]:NAME:_default' \
'--namespace=[The namespace \[default\: etl.yaml'\''s cluster.namespace, else the context'\''s\]]:NAME:_default' \
'-f+[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--file=[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'(-v --verbose)-q[Print only results and errors]' \
'(-v --verbose)--quiet[Print only results and errors]' \
'*-v[Say more about what etl does (repeat for more)]' \
'*--verbose[Say more about what etl does (repeat for more)]' \
'--no-input[Never ask questions; fail with the flag to pass instead (also when CI is set)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
':run -- The workflow run (see `etl workflows runs`, or `etl workflows runs --cluster`):_default' \
&& ret=0
;;
(render)
_arguments "${_arguments_options[@]}" : \
'--date=[One day]:YYYY-MM-DD:_default' \
'--start=[The start of a custom window\: a date or an RFC 3339 timestamp (with --end)]:T:_default' \
'--end=[The end of a custom window, not included (with --start)]:T:_default' \
'--image=[The image to run \[default\: the last \`etl push\`, else the repository'\''s \:latest\]]:REF:_default' \
'-n+[The namespace \[default\: etl.yaml'\''s cluster.namespace, else \`default\`\]]:NAMESPACE:_default' \
'--namespace=[The namespace \[default\: etl.yaml'\''s cluster.namespace, else \`default\`\]]:NAMESPACE:_default' \
'-o+[Output format]:OUTPUT:(yaml json)' \
'--output=[Output format]:OUTPUT:(yaml json)' \
'-f+[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--file=[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--yesterday[Yesterday, midnight to midnight]' \
'--today[Today, midnight to midnight]' \
'--last-week[The previous week, Monday to Monday]' \
'(-v --verbose)-q[Print only results and errors]' \
'(-v --verbose)--quiet[Print only results and errors]' \
'*-v[Say more about what etl does (repeat for more)]' \
'*--verbose[Say more about what etl does (repeat for more)]' \
'--no-input[Never ask questions; fail with the flag to pass instead (also when CI is set)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
':workflow -- The workflow (see `etl workflows list`):_default' \
&& ret=0
;;
(runs)
_arguments "${_arguments_options[@]}" : \
'--context=[The kubeconfig context \[default\: etl.yaml'\''s cluster.context, else the current one\]]:NAME:_default' \
'-n+[The namespace \[default\: etl.yaml'\''s cluster.namespace, else the context'\''s\]]:NAME:_default' \
'--namespace=[The namespace \[default\: etl.yaml'\''s cluster.namespace, else the context'\''s\]]:NAME:_default' \
'-o+[Output format]:OUTPUT:(table json)' \
'--output=[Output format]:OUTPUT:(table json)' \
'-f+[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--file=[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--cluster[List the runs in the cluster instead of this machine'\''s]' \
'(-v --verbose)-q[Print only results and errors]' \
'(-v --verbose)--quiet[Print only results and errors]' \
'*-v[Say more about what etl does (repeat for more)]' \
'*--verbose[Say more about what etl does (repeat for more)]' \
'--no-input[Never ask questions; fail with the flag to pass instead (also when CI is set)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
'::workflow -- Only this workflow'\''s runs:_default' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_etl__subcmd__workflows__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:etl-workflows-help-command-$line[1]:"
        case $line[1] in
            (list)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(show)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(run)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(schedule)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(follow)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(cancel)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(retry)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(render)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(runs)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(runs)
_arguments "${_arguments_options[@]}" : \
'--job=[Only this job'\''s runs]:JOB:_default' \
'--state=[Only runs in this state\: Pending, Running, Succeeded, Failed, Cancelled (--local\: Running, Succeeded, Failed, Interrupted, Lost)]:STATE:_default' \
'--since=[Only runs started this recently (7d, 12h)]:DURATION:_default' \
'-o+[Output format]:OUTPUT:(table json)' \
'--output=[Output format]:OUTPUT:(table json)' \
'--context=[The kubeconfig context \[default\: etl.yaml'\''s cluster.context, else the current one\]]:NAME:_default' \
'-n+[The namespace \[default\: etl.yaml'\''s cluster.namespace, else the context'\''s\]]:NAME:_default' \
'--namespace=[The namespace \[default\: etl.yaml'\''s cluster.namespace, else the context'\''s\]]:NAME:_default' \
'-f+[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--file=[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--local[List the runs made on this machine by \`etl jobs run\` instead of the cluster'\''s]' \
'(-v --verbose)-q[Print only results and errors]' \
'(-v --verbose)--quiet[Print only results and errors]' \
'*-v[Say more about what etl does (repeat for more)]' \
'*--verbose[Say more about what etl does (repeat for more)]' \
'--no-input[Never ask questions; fail with the flag to pass instead (also when CI is set)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(build)
_arguments "${_arguments_options[@]}" : \
'--tag=[The image tag \[default\: the git commit, with -dirty-HASH for a changed tree\]]:T:_default' \
'--platform=[The platform to build for, e.g. linux/amd64 \[default\: the engine'\''s\]]:P:_default' \
'*--build-arg=[A build argument, over etl.yaml'\''s \`image.build_args\` (repeatable)]:KEY=VALUE:_default' \
'--engine=[The container engine\: docker, podman, buildah or nerdctl \[default\: etl.yaml'\''s, else found on PATH\]]:ENGINE:_default' \
'-f+[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--file=[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--push[Push the image once built (as \`etl push\` does)]' \
'(-v --verbose)-q[Print only results and errors]' \
'(-v --verbose)--quiet[Print only results and errors]' \
'*-v[Say more about what etl does (repeat for more)]' \
'*--verbose[Say more about what etl does (repeat for more)]' \
'--no-input[Never ask questions; fail with the flag to pass instead (also when CI is set)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(push)
_arguments "${_arguments_options[@]}" : \
'--tag=[The image tag \[default\: the git commit, with -dirty-HASH for a changed tree\]]:T:_default' \
'--engine=[The container engine\: docker, podman, buildah or nerdctl \[default\: etl.yaml'\''s, else found on PATH\]]:ENGINE:_default' \
'-f+[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--file=[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'(-v --verbose)-q[Print only results and errors]' \
'(-v --verbose)--quiet[Print only results and errors]' \
'*-v[Say more about what etl does (repeat for more)]' \
'*--verbose[Say more about what etl does (repeat for more)]' \
'--no-input[Never ask questions; fail with the flag to pass instead (also when CI is set)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(deploy)
_arguments "${_arguments_options[@]}" : \
'--image=[The image to run \[default\: the last \`etl push\`, else the repository'\''s \:latest\]]:REF:_default' \
'--scheduler-image=[etl'\''s own image, which the scheduler runs \[default\: the last \`etl push\` of this etl\]]:REF:_default' \
'--context=[The kubeconfig context \[default\: etl.yaml'\''s cluster.context, else the current one\]]:NAME:_default' \
'-n+[The namespace \[default\: etl.yaml'\''s cluster.namespace, else the context'\''s\]]:NAME:_default' \
'--namespace=[The namespace \[default\: etl.yaml'\''s cluster.namespace, else the context'\''s\]]:NAME:_default' \
'-f+[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--file=[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--dry-run[Ask the server what would happen (dryRun=All)\: nothing is saved]' \
'--prune[Also delete this project'\''s CronJobs whose job etl.yaml no longer schedules]' \
'-y[Do not ask for confirmation before pruning]' \
'--yes[Do not ask for confirmation before pruning]' \
'(-v --verbose)-q[Print only results and errors]' \
'(-v --verbose)--quiet[Print only results and errors]' \
'*-v[Say more about what etl does (repeat for more)]' \
'*--verbose[Say more about what etl does (repeat for more)]' \
'--no-input[Never ask questions; fail with the flag to pass instead (also when CI is set)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
'*::jobs -- The jobs to deploy\: their Secrets, and CronJobs if scheduled \[default\: every job\]:_default' \
&& ret=0
;;
(diff)
_arguments "${_arguments_options[@]}" : \
'--image=[The image to run \[default\: the last \`etl push\`, else the repository'\''s \:latest\]]:REF:_default' \
'--scheduler-image=[etl'\''s own image, which the scheduler runs \[default\: the last \`etl push\` of this etl\]]:REF:_default' \
'--context=[The kubeconfig context \[default\: etl.yaml'\''s cluster.context, else the current one\]]:NAME:_default' \
'-n+[The namespace \[default\: etl.yaml'\''s cluster.namespace, else the context'\''s\]]:NAME:_default' \
'--namespace=[The namespace \[default\: etl.yaml'\''s cluster.namespace, else the context'\''s\]]:NAME:_default' \
'-f+[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--file=[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'(-v --verbose)-q[Print only results and errors]' \
'(-v --verbose)--quiet[Print only results and errors]' \
'*-v[Say more about what etl does (repeat for more)]' \
'*--verbose[Say more about what etl does (repeat for more)]' \
'--no-input[Never ask questions; fail with the flag to pass instead (also when CI is set)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
'*::jobs -- The jobs to compare \[default\: every job\]:_default' \
&& ret=0
;;
(scheduler)
_arguments "${_arguments_options[@]}" : \
'--listen=[Serve /healthz and /metrics (Prometheus) on this address]:ADDR:PORT:_default' \
'--lease-seconds=[How long the leader'\''s Lease lasts without renewal; a standby takes over after it]:SECONDS:_default' \
'--id=[This replica'\''s name in the Lease \[default\: ETL_SCHEDULER_ID, else host and pid\]]:NAME:_default' \
'--project-configmap=[Read the project from this ConfigMap (what \`etl deploy\` writes) instead of etl.yaml]:NAME:_default' \
'--image=[The image task Jobs run \[default\: the last \`etl push\`, else the repository'\''s \:latest\]]:REF:_default' \
'--context=[The kubeconfig context \[default\: etl.yaml'\''s cluster.context, else the current one\]]:NAME:_default' \
'-n+[The namespace \[default\: etl.yaml'\''s cluster.namespace, else the context'\''s\]]:NAME:_default' \
'--namespace=[The namespace \[default\: etl.yaml'\''s cluster.namespace, else the context'\''s\]]:NAME:_default' \
'-f+[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--file=[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'(-v --verbose)-q[Print only results and errors]' \
'(-v --verbose)--quiet[Print only results and errors]' \
'*-v[Say more about what etl does (repeat for more)]' \
'*--verbose[Say more about what etl does (repeat for more)]' \
'--no-input[Never ask questions; fail with the flag to pass instead (also when CI is set)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
":: :_etl__subcmd__scheduler_commands" \
"*::: :->scheduler" \
&& ret=0

    case $state in
    (scheduler)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:etl-scheduler-command-$line[1]:"
        case $line[1] in
            (status)
_arguments "${_arguments_options[@]}" : \
'-o+[Output format]:OUTPUT:(table json)' \
'--output=[Output format]:OUTPUT:(table json)' \
'--context=[The kubeconfig context \[default\: etl.yaml'\''s cluster.context, else the current one\]]:NAME:_default' \
'-n+[The namespace \[default\: etl.yaml'\''s cluster.namespace, else the context'\''s\]]:NAME:_default' \
'--namespace=[The namespace \[default\: etl.yaml'\''s cluster.namespace, else the context'\''s\]]:NAME:_default' \
'-f+[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--file=[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'(-v --verbose)-q[Print only results and errors]' \
'(-v --verbose)--quiet[Print only results and errors]' \
'*-v[Say more about what etl does (repeat for more)]' \
'*--verbose[Say more about what etl does (repeat for more)]' \
'--no-input[Never ask questions; fail with the flag to pass instead (also when CI is set)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_etl__subcmd__scheduler__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:etl-scheduler-help-command-$line[1]:"
        case $line[1] in
            (status)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(history)
_arguments "${_arguments_options[@]}" : \
'(--start --end)--since=[How far back \[default\: 30d\]]:DURATION:_default' \
'--start=[The range'\''s start\: a date (midnight in each row'\''s time zone) or an RFC 3339 timestamp]:T:_default' \
'--end=[The range'\''s end, not included]:T:_default' \
'-o+[Output format]:OUTPUT:(table json)' \
'--output=[Output format]:OUTPUT:(table json)' \
'--context=[The kubeconfig context \[default\: etl.yaml'\''s cluster.context, else the current one\]]:NAME:_default' \
'-n+[The namespace \[default\: etl.yaml'\''s cluster.namespace, else the context'\''s\]]:NAME:_default' \
'--namespace=[The namespace \[default\: etl.yaml'\''s cluster.namespace, else the context'\''s\]]:NAME:_default' \
'-f+[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--file=[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--local[This machine'\''s runs, not the cluster'\''s]' \
'(-v --verbose)-q[Print only results and errors]' \
'(-v --verbose)--quiet[Print only results and errors]' \
'*-v[Say more about what etl does (repeat for more)]' \
'*--verbose[Say more about what etl does (repeat for more)]' \
'--no-input[Never ask questions; fail with the flag to pass instead (also when CI is set)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
'*::names -- The jobs and workflows to show \[default\: all\]:_default' \
&& ret=0
;;
(backfill)
_arguments "${_arguments_options[@]}" : \
'--start=[The first day (or instant) of the range]:T:_default' \
'--end=[The end of the range, not included]:T:_default' \
'--only=[Which windows run]:ONLY:((missing\:"Windows that never completed"
failed\:"Windows whose last attempt failed or was cancelled"
all\:"Every window"))' \
'--parallel=[Runs at once]:N:_default' \
'--step=[Cut the range into runs of this length (1w, 1d, 6h) instead of the job'\''s window]:DURATION:_default' \
'--context=[The kubeconfig context \[default\: etl.yaml'\''s cluster.context, else the current one\]]:NAME:_default' \
'-n+[The namespace \[default\: etl.yaml'\''s cluster.namespace, else the context'\''s\]]:NAME:_default' \
'--namespace=[The namespace \[default\: etl.yaml'\''s cluster.namespace, else the context'\''s\]]:NAME:_default' \
'-f+[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--file=[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--dry-run[Print the plan and stop]' \
'-y[Do not ask for confirmation]' \
'--yes[Do not ask for confirmation]' \
'--local[Run here, as local processes, against this machine'\''s history]' \
'(-v --verbose)-q[Print only results and errors]' \
'(-v --verbose)--quiet[Print only results and errors]' \
'*-v[Say more about what etl does (repeat for more)]' \
'*--verbose[Say more about what etl does (repeat for more)]' \
'--no-input[Never ask questions; fail with the flag to pass instead (also when CI is set)]' \
'-h[Print help (see more with '\''--help'\'')]' \
'--help[Print help (see more with '\''--help'\'')]' \
'-V[Print version]' \
'--version[Print version]' \
'::target -- The job or workflow:_default' \
":: :_etl__subcmd__backfill_commands" \
"*::: :->backfill" \
&& ret=0

    case $state in
    (backfill)
        words=($line[2] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:etl-backfill-command-$line[2]:"
        case $line[2] in
            (status)
_arguments "${_arguments_options[@]}" : \
'--context=[The kubeconfig context \[default\: etl.yaml'\''s cluster.context, else the current one\]]:NAME:_default' \
'-n+[The namespace \[default\: etl.yaml'\''s cluster.namespace, else the context'\''s\]]:NAME:_default' \
'--namespace=[The namespace \[default\: etl.yaml'\''s cluster.namespace, else the context'\''s\]]:NAME:_default' \
'-f+[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--file=[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'-y[Do not ask for confirmation (cancel)]' \
'--yes[Do not ask for confirmation (cancel)]' \
'(-v --verbose)-q[Print only results and errors]' \
'(-v --verbose)--quiet[Print only results and errors]' \
'*-v[Say more about what etl does (repeat for more)]' \
'*--verbose[Say more about what etl does (repeat for more)]' \
'--no-input[Never ask questions; fail with the flag to pass instead (also when CI is set)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
':id -- The backfill'\''s name, as `etl backfill` printed it:_default' \
&& ret=0
;;
(follow)
_arguments "${_arguments_options[@]}" : \
'--context=[The kubeconfig context \[default\: etl.yaml'\''s cluster.context, else the current one\]]:NAME:_default' \
'-n+[The namespace \[default\: etl.yaml'\''s cluster.namespace, else the context'\''s\]]:NAME:_default' \
'--namespace=[The namespace \[default\: etl.yaml'\''s cluster.namespace, else the context'\''s\]]:NAME:_default' \
'-f+[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--file=[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'-y[Do not ask for confirmation (cancel)]' \
'--yes[Do not ask for confirmation (cancel)]' \
'(-v --verbose)-q[Print only results and errors]' \
'(-v --verbose)--quiet[Print only results and errors]' \
'*-v[Say more about what etl does (repeat for more)]' \
'*--verbose[Say more about what etl does (repeat for more)]' \
'--no-input[Never ask questions; fail with the flag to pass instead (also when CI is set)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
':id -- The backfill'\''s name, as `etl backfill` printed it:_default' \
&& ret=0
;;
(cancel)
_arguments "${_arguments_options[@]}" : \
'--context=[The kubeconfig context \[default\: etl.yaml'\''s cluster.context, else the current one\]]:NAME:_default' \
'-n+[The namespace \[default\: etl.yaml'\''s cluster.namespace, else the context'\''s\]]:NAME:_default' \
'--namespace=[The namespace \[default\: etl.yaml'\''s cluster.namespace, else the context'\''s\]]:NAME:_default' \
'-f+[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--file=[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'-y[Do not ask for confirmation (cancel)]' \
'--yes[Do not ask for confirmation (cancel)]' \
'(-v --verbose)-q[Print only results and errors]' \
'(-v --verbose)--quiet[Print only results and errors]' \
'*-v[Say more about what etl does (repeat for more)]' \
'*--verbose[Say more about what etl does (repeat for more)]' \
'--no-input[Never ask questions; fail with the flag to pass instead (also when CI is set)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
':id -- The backfill'\''s name, as `etl backfill` printed it:_default' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_etl__subcmd__backfill__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:etl-backfill-help-command-$line[1]:"
        case $line[1] in
            (status)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(follow)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(cancel)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
;;
(logs)
_arguments "${_arguments_options[@]}" : \
'--context=[The kubeconfig context \[default\: etl.yaml'\''s cluster.context, else the current one\]]:NAME:_default' \
'-n+[The namespace \[default\: etl.yaml'\''s cluster.namespace, else the context'\''s\]]:NAME:_default' \
'--namespace=[The namespace \[default\: etl.yaml'\''s cluster.namespace, else the context'\''s\]]:NAME:_default' \
'-f+[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--file=[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'(-v --verbose)-q[Print only results and errors]' \
'(-v --verbose)--quiet[Print only results and errors]' \
'*-v[Say more about what etl does (repeat for more)]' \
'*--verbose[Say more about what etl does (repeat for more)]' \
'--no-input[Never ask questions; fail with the flag to pass instead (also when CI is set)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
':run -- The run (see `etl runs`):_default' \
&& ret=0
;;
(completions)
_arguments "${_arguments_options[@]}" : \
'-f+[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'--file=[The project file \[default\: etl.yaml in this directory or the nearest parent\]]:PATH:_files' \
'(-v --verbose)-q[Print only results and errors]' \
'(-v --verbose)--quiet[Print only results and errors]' \
'*-v[Say more about what etl does (repeat for more)]' \
'*--verbose[Say more about what etl does (repeat for more)]' \
'--no-input[Never ask questions; fail with the flag to pass instead (also when CI is set)]' \
'-h[Print help]' \
'--help[Print help]' \
'-V[Print version]' \
'--version[Print version]' \
':shell -- The shell:(bash elvish fish powershell zsh)' \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
":: :_etl__subcmd__help_commands" \
"*::: :->help" \
&& ret=0

    case $state in
    (help)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:etl-help-command-$line[1]:"
        case $line[1] in
            (init)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(render)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(jobs)
_arguments "${_arguments_options[@]}" : \
":: :_etl__subcmd__help__subcmd__jobs_commands" \
"*::: :->jobs" \
&& ret=0

    case $state in
    (jobs)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:etl-help-jobs-command-$line[1]:"
        case $line[1] in
            (list)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(run)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(schedule)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(follow)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(cancel)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(workflows)
_arguments "${_arguments_options[@]}" : \
":: :_etl__subcmd__help__subcmd__workflows_commands" \
"*::: :->workflows" \
&& ret=0

    case $state in
    (workflows)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:etl-help-workflows-command-$line[1]:"
        case $line[1] in
            (list)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(show)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(run)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(schedule)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(follow)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(cancel)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(retry)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(render)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(runs)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(runs)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(build)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(push)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(deploy)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(diff)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(scheduler)
_arguments "${_arguments_options[@]}" : \
":: :_etl__subcmd__help__subcmd__scheduler_commands" \
"*::: :->scheduler" \
&& ret=0

    case $state in
    (scheduler)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:etl-help-scheduler-command-$line[1]:"
        case $line[1] in
            (status)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(history)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(backfill)
_arguments "${_arguments_options[@]}" : \
":: :_etl__subcmd__help__subcmd__backfill_commands" \
"*::: :->backfill" \
&& ret=0

    case $state in
    (backfill)
        words=($line[1] "${words[@]}")
        (( CURRENT += 1 ))
        curcontext="${curcontext%:*:*}:etl-help-backfill-command-$line[1]:"
        case $line[1] in
            (status)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(follow)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(cancel)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
(logs)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(completions)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
(help)
_arguments "${_arguments_options[@]}" : \
&& ret=0
;;
        esac
    ;;
esac
;;
        esac
    ;;
esac
}

(( $+functions[_etl_commands] )) ||
_etl_commands() {
    local commands; commands=(
'init:Start a project here\: a commented etl.yaml, an example job and the default templates' \
'render:Print the Kubernetes manifests etl would create, without a cluster' \
'jobs:List, run and schedule jobs' \
'workflows:Workflows\: DAGs of jobs run in dependency order' \
'runs:List runs in the cluster (manual and scheduled), or on this machine with --local' \
'build:Build the job image from etl.yaml'\''s \`image\` with docker, podman, buildah or nerdctl' \
'push:Push the job image and pin runs (render, schedule, deploy) to its digest' \
'deploy:Apply the CronJobs of scheduled jobs and their Secrets to the cluster' \
'diff:Show what \`etl deploy\` would change in the cluster (exit 1 when something would)' \
'scheduler:Drive workflow runs in the cluster and fire workflow schedules (what \`etl deploy\` runs there)' \
'history:Which windows ran, for each job and workflow\: a calendar of done, failed, missing' \
'backfill:Run a job or workflow for every window of a range that has not completed (or failed)' \
'logs:Print what is left of a run'\''s logs in the cluster\: every pod, every attempt' \
'completions:Print a shell completion script (bash, elvish, fish, powershell, zsh)' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'etl commands' commands "$@"
}
(( $+functions[_etl__subcmd__backfill_commands] )) ||
_etl__subcmd__backfill_commands() {
    local commands; commands=(
'status:A backfill'\''s windows\: done, failed, running, waiting' \
'follow:Print a line per change until the backfill ends; exit 0 when every run completed' \
'cancel:Stop a backfill\: no new runs, and its unfinished runs are cancelled' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'etl backfill commands' commands "$@"
}
(( $+functions[_etl__subcmd__backfill__subcmd__cancel_commands] )) ||
_etl__subcmd__backfill__subcmd__cancel_commands() {
    local commands; commands=()
    _describe -t commands 'etl backfill cancel commands' commands "$@"
}
(( $+functions[_etl__subcmd__backfill__subcmd__follow_commands] )) ||
_etl__subcmd__backfill__subcmd__follow_commands() {
    local commands; commands=()
    _describe -t commands 'etl backfill follow commands' commands "$@"
}
(( $+functions[_etl__subcmd__backfill__subcmd__help_commands] )) ||
_etl__subcmd__backfill__subcmd__help_commands() {
    local commands; commands=(
'status:A backfill'\''s windows\: done, failed, running, waiting' \
'follow:Print a line per change until the backfill ends; exit 0 when every run completed' \
'cancel:Stop a backfill\: no new runs, and its unfinished runs are cancelled' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'etl backfill help commands' commands "$@"
}
(( $+functions[_etl__subcmd__backfill__subcmd__help__subcmd__cancel_commands] )) ||
_etl__subcmd__backfill__subcmd__help__subcmd__cancel_commands() {
    local commands; commands=()
    _describe -t commands 'etl backfill help cancel commands' commands "$@"
}
(( $+functions[_etl__subcmd__backfill__subcmd__help__subcmd__follow_commands] )) ||
_etl__subcmd__backfill__subcmd__help__subcmd__follow_commands() {
    local commands; commands=()
    _describe -t commands 'etl backfill help follow commands' commands "$@"
}
(( $+functions[_etl__subcmd__backfill__subcmd__help__subcmd__help_commands] )) ||
_etl__subcmd__backfill__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'etl backfill help help commands' commands "$@"
}
(( $+functions[_etl__subcmd__backfill__subcmd__help__subcmd__status_commands] )) ||
_etl__subcmd__backfill__subcmd__help__subcmd__status_commands() {
    local commands; commands=()
    _describe -t commands 'etl backfill help status commands' commands "$@"
}
(( $+functions[_etl__subcmd__backfill__subcmd__status_commands] )) ||
_etl__subcmd__backfill__subcmd__status_commands() {
    local commands; commands=()
    _describe -t commands 'etl backfill status commands' commands "$@"
}
(( $+functions[_etl__subcmd__build_commands] )) ||
_etl__subcmd__build_commands() {
    local commands; commands=()
    _describe -t commands 'etl build commands' commands "$@"
}
(( $+functions[_etl__subcmd__completions_commands] )) ||
_etl__subcmd__completions_commands() {
    local commands; commands=()
    _describe -t commands 'etl completions commands' commands "$@"
}
(( $+functions[_etl__subcmd__deploy_commands] )) ||
_etl__subcmd__deploy_commands() {
    local commands; commands=()
    _describe -t commands 'etl deploy commands' commands "$@"
}
(( $+functions[_etl__subcmd__diff_commands] )) ||
_etl__subcmd__diff_commands() {
    local commands; commands=()
    _describe -t commands 'etl diff commands' commands "$@"
}
(( $+functions[_etl__subcmd__help_commands] )) ||
_etl__subcmd__help_commands() {
    local commands; commands=(
'init:Start a project here\: a commented etl.yaml, an example job and the default templates' \
'render:Print the Kubernetes manifests etl would create, without a cluster' \
'jobs:List, run and schedule jobs' \
'workflows:Workflows\: DAGs of jobs run in dependency order' \
'runs:List runs in the cluster (manual and scheduled), or on this machine with --local' \
'build:Build the job image from etl.yaml'\''s \`image\` with docker, podman, buildah or nerdctl' \
'push:Push the job image and pin runs (render, schedule, deploy) to its digest' \
'deploy:Apply the CronJobs of scheduled jobs and their Secrets to the cluster' \
'diff:Show what \`etl deploy\` would change in the cluster (exit 1 when something would)' \
'scheduler:Drive workflow runs in the cluster and fire workflow schedules (what \`etl deploy\` runs there)' \
'history:Which windows ran, for each job and workflow\: a calendar of done, failed, missing' \
'backfill:Run a job or workflow for every window of a range that has not completed (or failed)' \
'logs:Print what is left of a run'\''s logs in the cluster\: every pod, every attempt' \
'completions:Print a shell completion script (bash, elvish, fish, powershell, zsh)' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'etl help commands' commands "$@"
}
(( $+functions[_etl__subcmd__help__subcmd__backfill_commands] )) ||
_etl__subcmd__help__subcmd__backfill_commands() {
    local commands; commands=(
'status:A backfill'\''s windows\: done, failed, running, waiting' \
'follow:Print a line per change until the backfill ends; exit 0 when every run completed' \
'cancel:Stop a backfill\: no new runs, and its unfinished runs are cancelled' \
    )
    _describe -t commands 'etl help backfill commands' commands "$@"
}
(( $+functions[_etl__subcmd__help__subcmd__backfill__subcmd__cancel_commands] )) ||
_etl__subcmd__help__subcmd__backfill__subcmd__cancel_commands() {
    local commands; commands=()
    _describe -t commands 'etl help backfill cancel commands' commands "$@"
}
(( $+functions[_etl__subcmd__help__subcmd__backfill__subcmd__follow_commands] )) ||
_etl__subcmd__help__subcmd__backfill__subcmd__follow_commands() {
    local commands; commands=()
    _describe -t commands 'etl help backfill follow commands' commands "$@"
}
(( $+functions[_etl__subcmd__help__subcmd__backfill__subcmd__status_commands] )) ||
_etl__subcmd__help__subcmd__backfill__subcmd__status_commands() {
    local commands; commands=()
    _describe -t commands 'etl help backfill status commands' commands "$@"
}
(( $+functions[_etl__subcmd__help__subcmd__build_commands] )) ||
_etl__subcmd__help__subcmd__build_commands() {
    local commands; commands=()
    _describe -t commands 'etl help build commands' commands "$@"
}
(( $+functions[_etl__subcmd__help__subcmd__completions_commands] )) ||
_etl__subcmd__help__subcmd__completions_commands() {
    local commands; commands=()
    _describe -t commands 'etl help completions commands' commands "$@"
}
(( $+functions[_etl__subcmd__help__subcmd__deploy_commands] )) ||
_etl__subcmd__help__subcmd__deploy_commands() {
    local commands; commands=()
    _describe -t commands 'etl help deploy commands' commands "$@"
}
(( $+functions[_etl__subcmd__help__subcmd__diff_commands] )) ||
_etl__subcmd__help__subcmd__diff_commands() {
    local commands; commands=()
    _describe -t commands 'etl help diff commands' commands "$@"
}
(( $+functions[_etl__subcmd__help__subcmd__help_commands] )) ||
_etl__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'etl help help commands' commands "$@"
}
(( $+functions[_etl__subcmd__help__subcmd__history_commands] )) ||
_etl__subcmd__help__subcmd__history_commands() {
    local commands; commands=()
    _describe -t commands 'etl help history commands' commands "$@"
}
(( $+functions[_etl__subcmd__help__subcmd__init_commands] )) ||
_etl__subcmd__help__subcmd__init_commands() {
    local commands; commands=()
    _describe -t commands 'etl help init commands' commands "$@"
}
(( $+functions[_etl__subcmd__help__subcmd__jobs_commands] )) ||
_etl__subcmd__help__subcmd__jobs_commands() {
    local commands; commands=(
'list:List the jobs of etl.yaml' \
'run:Run a job here, as a local process (or in its image with --container), for a window' \
'schedule:Start a run of a job in the cluster now, for a window' \
'follow:Stream a run'\''s logs until it ends, and exit with its status' \
'cancel:Stop a run and its pods' \
    )
    _describe -t commands 'etl help jobs commands' commands "$@"
}
(( $+functions[_etl__subcmd__help__subcmd__jobs__subcmd__cancel_commands] )) ||
_etl__subcmd__help__subcmd__jobs__subcmd__cancel_commands() {
    local commands; commands=()
    _describe -t commands 'etl help jobs cancel commands' commands "$@"
}
(( $+functions[_etl__subcmd__help__subcmd__jobs__subcmd__follow_commands] )) ||
_etl__subcmd__help__subcmd__jobs__subcmd__follow_commands() {
    local commands; commands=()
    _describe -t commands 'etl help jobs follow commands' commands "$@"
}
(( $+functions[_etl__subcmd__help__subcmd__jobs__subcmd__list_commands] )) ||
_etl__subcmd__help__subcmd__jobs__subcmd__list_commands() {
    local commands; commands=()
    _describe -t commands 'etl help jobs list commands' commands "$@"
}
(( $+functions[_etl__subcmd__help__subcmd__jobs__subcmd__run_commands] )) ||
_etl__subcmd__help__subcmd__jobs__subcmd__run_commands() {
    local commands; commands=()
    _describe -t commands 'etl help jobs run commands' commands "$@"
}
(( $+functions[_etl__subcmd__help__subcmd__jobs__subcmd__schedule_commands] )) ||
_etl__subcmd__help__subcmd__jobs__subcmd__schedule_commands() {
    local commands; commands=()
    _describe -t commands 'etl help jobs schedule commands' commands "$@"
}
(( $+functions[_etl__subcmd__help__subcmd__logs_commands] )) ||
_etl__subcmd__help__subcmd__logs_commands() {
    local commands; commands=()
    _describe -t commands 'etl help logs commands' commands "$@"
}
(( $+functions[_etl__subcmd__help__subcmd__push_commands] )) ||
_etl__subcmd__help__subcmd__push_commands() {
    local commands; commands=()
    _describe -t commands 'etl help push commands' commands "$@"
}
(( $+functions[_etl__subcmd__help__subcmd__render_commands] )) ||
_etl__subcmd__help__subcmd__render_commands() {
    local commands; commands=()
    _describe -t commands 'etl help render commands' commands "$@"
}
(( $+functions[_etl__subcmd__help__subcmd__runs_commands] )) ||
_etl__subcmd__help__subcmd__runs_commands() {
    local commands; commands=()
    _describe -t commands 'etl help runs commands' commands "$@"
}
(( $+functions[_etl__subcmd__help__subcmd__scheduler_commands] )) ||
_etl__subcmd__help__subcmd__scheduler_commands() {
    local commands; commands=(
'status:Whether a scheduler is running in the namespace\: leader, version, last decisions' \
    )
    _describe -t commands 'etl help scheduler commands' commands "$@"
}
(( $+functions[_etl__subcmd__help__subcmd__scheduler__subcmd__status_commands] )) ||
_etl__subcmd__help__subcmd__scheduler__subcmd__status_commands() {
    local commands; commands=()
    _describe -t commands 'etl help scheduler status commands' commands "$@"
}
(( $+functions[_etl__subcmd__help__subcmd__workflows_commands] )) ||
_etl__subcmd__help__subcmd__workflows_commands() {
    local commands; commands=(
'list:List the workflows of etl.yaml, their tasks in order, schedules and last local runs' \
'show:Draw a workflow'\''s DAG\: levels of tasks, each with the tasks it runs after' \
'run:Run a whole workflow here, as local processes, in dependency order' \
'schedule:Start a workflow run in the cluster, for a window (the scheduler drives it)' \
'follow:Show a workflow run'\''s progress in the cluster and its tasks'\'' logs, until it ends' \
'cancel:Stop a workflow run in the cluster\: every task, and their pods' \
'retry:Run again only the failed tasks of a workflow run and what they blocked' \
'render:Print the objects a workflow run is in the cluster\: a ConfigMap and one Job per task' \
'runs:List workflow runs (on this machine, or in the cluster with --cluster), newest first' \
    )
    _describe -t commands 'etl help workflows commands' commands "$@"
}
(( $+functions[_etl__subcmd__help__subcmd__workflows__subcmd__cancel_commands] )) ||
_etl__subcmd__help__subcmd__workflows__subcmd__cancel_commands() {
    local commands; commands=()
    _describe -t commands 'etl help workflows cancel commands' commands "$@"
}
(( $+functions[_etl__subcmd__help__subcmd__workflows__subcmd__follow_commands] )) ||
_etl__subcmd__help__subcmd__workflows__subcmd__follow_commands() {
    local commands; commands=()
    _describe -t commands 'etl help workflows follow commands' commands "$@"
}
(( $+functions[_etl__subcmd__help__subcmd__workflows__subcmd__list_commands] )) ||
_etl__subcmd__help__subcmd__workflows__subcmd__list_commands() {
    local commands; commands=()
    _describe -t commands 'etl help workflows list commands' commands "$@"
}
(( $+functions[_etl__subcmd__help__subcmd__workflows__subcmd__render_commands] )) ||
_etl__subcmd__help__subcmd__workflows__subcmd__render_commands() {
    local commands; commands=()
    _describe -t commands 'etl help workflows render commands' commands "$@"
}
(( $+functions[_etl__subcmd__help__subcmd__workflows__subcmd__retry_commands] )) ||
_etl__subcmd__help__subcmd__workflows__subcmd__retry_commands() {
    local commands; commands=()
    _describe -t commands 'etl help workflows retry commands' commands "$@"
}
(( $+functions[_etl__subcmd__help__subcmd__workflows__subcmd__run_commands] )) ||
_etl__subcmd__help__subcmd__workflows__subcmd__run_commands() {
    local commands; commands=()
    _describe -t commands 'etl help workflows run commands' commands "$@"
}
(( $+functions[_etl__subcmd__help__subcmd__workflows__subcmd__runs_commands] )) ||
_etl__subcmd__help__subcmd__workflows__subcmd__runs_commands() {
    local commands; commands=()
    _describe -t commands 'etl help workflows runs commands' commands "$@"
}
(( $+functions[_etl__subcmd__help__subcmd__workflows__subcmd__schedule_commands] )) ||
_etl__subcmd__help__subcmd__workflows__subcmd__schedule_commands() {
    local commands; commands=()
    _describe -t commands 'etl help workflows schedule commands' commands "$@"
}
(( $+functions[_etl__subcmd__help__subcmd__workflows__subcmd__show_commands] )) ||
_etl__subcmd__help__subcmd__workflows__subcmd__show_commands() {
    local commands; commands=()
    _describe -t commands 'etl help workflows show commands' commands "$@"
}
(( $+functions[_etl__subcmd__history_commands] )) ||
_etl__subcmd__history_commands() {
    local commands; commands=()
    _describe -t commands 'etl history commands' commands "$@"
}
(( $+functions[_etl__subcmd__init_commands] )) ||
_etl__subcmd__init_commands() {
    local commands; commands=()
    _describe -t commands 'etl init commands' commands "$@"
}
(( $+functions[_etl__subcmd__jobs_commands] )) ||
_etl__subcmd__jobs_commands() {
    local commands; commands=(
'list:List the jobs of etl.yaml' \
'run:Run a job here, as a local process (or in its image with --container), for a window' \
'schedule:Start a run of a job in the cluster now, for a window' \
'follow:Stream a run'\''s logs until it ends, and exit with its status' \
'cancel:Stop a run and its pods' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'etl jobs commands' commands "$@"
}
(( $+functions[_etl__subcmd__jobs__subcmd__cancel_commands] )) ||
_etl__subcmd__jobs__subcmd__cancel_commands() {
    local commands; commands=()
    _describe -t commands 'etl jobs cancel commands' commands "$@"
}
(( $+functions[_etl__subcmd__jobs__subcmd__follow_commands] )) ||
_etl__subcmd__jobs__subcmd__follow_commands() {
    local commands; commands=()
    _describe -t commands 'etl jobs follow commands' commands "$@"
}
(( $+functions[_etl__subcmd__jobs__subcmd__help_commands] )) ||
_etl__subcmd__jobs__subcmd__help_commands() {
    local commands; commands=(
'list:List the jobs of etl.yaml' \
'run:Run a job here, as a local process (or in its image with --container), for a window' \
'schedule:Start a run of a job in the cluster now, for a window' \
'follow:Stream a run'\''s logs until it ends, and exit with its status' \
'cancel:Stop a run and its pods' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'etl jobs help commands' commands "$@"
}
(( $+functions[_etl__subcmd__jobs__subcmd__help__subcmd__cancel_commands] )) ||
_etl__subcmd__jobs__subcmd__help__subcmd__cancel_commands() {
    local commands; commands=()
    _describe -t commands 'etl jobs help cancel commands' commands "$@"
}
(( $+functions[_etl__subcmd__jobs__subcmd__help__subcmd__follow_commands] )) ||
_etl__subcmd__jobs__subcmd__help__subcmd__follow_commands() {
    local commands; commands=()
    _describe -t commands 'etl jobs help follow commands' commands "$@"
}
(( $+functions[_etl__subcmd__jobs__subcmd__help__subcmd__help_commands] )) ||
_etl__subcmd__jobs__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'etl jobs help help commands' commands "$@"
}
(( $+functions[_etl__subcmd__jobs__subcmd__help__subcmd__list_commands] )) ||
_etl__subcmd__jobs__subcmd__help__subcmd__list_commands() {
    local commands; commands=()
    _describe -t commands 'etl jobs help list commands' commands "$@"
}
(( $+functions[_etl__subcmd__jobs__subcmd__help__subcmd__run_commands] )) ||
_etl__subcmd__jobs__subcmd__help__subcmd__run_commands() {
    local commands; commands=()
    _describe -t commands 'etl jobs help run commands' commands "$@"
}
(( $+functions[_etl__subcmd__jobs__subcmd__help__subcmd__schedule_commands] )) ||
_etl__subcmd__jobs__subcmd__help__subcmd__schedule_commands() {
    local commands; commands=()
    _describe -t commands 'etl jobs help schedule commands' commands "$@"
}
(( $+functions[_etl__subcmd__jobs__subcmd__list_commands] )) ||
_etl__subcmd__jobs__subcmd__list_commands() {
    local commands; commands=()
    _describe -t commands 'etl jobs list commands' commands "$@"
}
(( $+functions[_etl__subcmd__jobs__subcmd__run_commands] )) ||
_etl__subcmd__jobs__subcmd__run_commands() {
    local commands; commands=()
    _describe -t commands 'etl jobs run commands' commands "$@"
}
(( $+functions[_etl__subcmd__jobs__subcmd__schedule_commands] )) ||
_etl__subcmd__jobs__subcmd__schedule_commands() {
    local commands; commands=()
    _describe -t commands 'etl jobs schedule commands' commands "$@"
}
(( $+functions[_etl__subcmd__logs_commands] )) ||
_etl__subcmd__logs_commands() {
    local commands; commands=()
    _describe -t commands 'etl logs commands' commands "$@"
}
(( $+functions[_etl__subcmd__push_commands] )) ||
_etl__subcmd__push_commands() {
    local commands; commands=()
    _describe -t commands 'etl push commands' commands "$@"
}
(( $+functions[_etl__subcmd__render_commands] )) ||
_etl__subcmd__render_commands() {
    local commands; commands=()
    _describe -t commands 'etl render commands' commands "$@"
}
(( $+functions[_etl__subcmd__runs_commands] )) ||
_etl__subcmd__runs_commands() {
    local commands; commands=()
    _describe -t commands 'etl runs commands' commands "$@"
}
(( $+functions[_etl__subcmd__scheduler_commands] )) ||
_etl__subcmd__scheduler_commands() {
    local commands; commands=(
'status:Whether a scheduler is running in the namespace\: leader, version, last decisions' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'etl scheduler commands' commands "$@"
}
(( $+functions[_etl__subcmd__scheduler__subcmd__help_commands] )) ||
_etl__subcmd__scheduler__subcmd__help_commands() {
    local commands; commands=(
'status:Whether a scheduler is running in the namespace\: leader, version, last decisions' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'etl scheduler help commands' commands "$@"
}
(( $+functions[_etl__subcmd__scheduler__subcmd__help__subcmd__help_commands] )) ||
_etl__subcmd__scheduler__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'etl scheduler help help commands' commands "$@"
}
(( $+functions[_etl__subcmd__scheduler__subcmd__help__subcmd__status_commands] )) ||
_etl__subcmd__scheduler__subcmd__help__subcmd__status_commands() {
    local commands; commands=()
    _describe -t commands 'etl scheduler help status commands' commands "$@"
}
(( $+functions[_etl__subcmd__scheduler__subcmd__status_commands] )) ||
_etl__subcmd__scheduler__subcmd__status_commands() {
    local commands; commands=()
    _describe -t commands 'etl scheduler status commands' commands "$@"
}
(( $+functions[_etl__subcmd__workflows_commands] )) ||
_etl__subcmd__workflows_commands() {
    local commands; commands=(
'list:List the workflows of etl.yaml, their tasks in order, schedules and last local runs' \
'show:Draw a workflow'\''s DAG\: levels of tasks, each with the tasks it runs after' \
'run:Run a whole workflow here, as local processes, in dependency order' \
'schedule:Start a workflow run in the cluster, for a window (the scheduler drives it)' \
'follow:Show a workflow run'\''s progress in the cluster and its tasks'\'' logs, until it ends' \
'cancel:Stop a workflow run in the cluster\: every task, and their pods' \
'retry:Run again only the failed tasks of a workflow run and what they blocked' \
'render:Print the objects a workflow run is in the cluster\: a ConfigMap and one Job per task' \
'runs:List workflow runs (on this machine, or in the cluster with --cluster), newest first' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'etl workflows commands' commands "$@"
}
(( $+functions[_etl__subcmd__workflows__subcmd__cancel_commands] )) ||
_etl__subcmd__workflows__subcmd__cancel_commands() {
    local commands; commands=()
    _describe -t commands 'etl workflows cancel commands' commands "$@"
}
(( $+functions[_etl__subcmd__workflows__subcmd__follow_commands] )) ||
_etl__subcmd__workflows__subcmd__follow_commands() {
    local commands; commands=()
    _describe -t commands 'etl workflows follow commands' commands "$@"
}
(( $+functions[_etl__subcmd__workflows__subcmd__help_commands] )) ||
_etl__subcmd__workflows__subcmd__help_commands() {
    local commands; commands=(
'list:List the workflows of etl.yaml, their tasks in order, schedules and last local runs' \
'show:Draw a workflow'\''s DAG\: levels of tasks, each with the tasks it runs after' \
'run:Run a whole workflow here, as local processes, in dependency order' \
'schedule:Start a workflow run in the cluster, for a window (the scheduler drives it)' \
'follow:Show a workflow run'\''s progress in the cluster and its tasks'\'' logs, until it ends' \
'cancel:Stop a workflow run in the cluster\: every task, and their pods' \
'retry:Run again only the failed tasks of a workflow run and what they blocked' \
'render:Print the objects a workflow run is in the cluster\: a ConfigMap and one Job per task' \
'runs:List workflow runs (on this machine, or in the cluster with --cluster), newest first' \
'help:Print this message or the help of the given subcommand(s)' \
    )
    _describe -t commands 'etl workflows help commands' commands "$@"
}
(( $+functions[_etl__subcmd__workflows__subcmd__help__subcmd__cancel_commands] )) ||
_etl__subcmd__workflows__subcmd__help__subcmd__cancel_commands() {
    local commands; commands=()
    _describe -t commands 'etl workflows help cancel commands' commands "$@"
}
(( $+functions[_etl__subcmd__workflows__subcmd__help__subcmd__follow_commands] )) ||
_etl__subcmd__workflows__subcmd__help__subcmd__follow_commands() {
    local commands; commands=()
    _describe -t commands 'etl workflows help follow commands' commands "$@"
}
(( $+functions[_etl__subcmd__workflows__subcmd__help__subcmd__help_commands] )) ||
_etl__subcmd__workflows__subcmd__help__subcmd__help_commands() {
    local commands; commands=()
    _describe -t commands 'etl workflows help help commands' commands "$@"
}
(( $+functions[_etl__subcmd__workflows__subcmd__help__subcmd__list_commands] )) ||
_etl__subcmd__workflows__subcmd__help__subcmd__list_commands() {
    local commands; commands=()
    _describe -t commands 'etl workflows help list commands' commands "$@"
}
(( $+functions[_etl__subcmd__workflows__subcmd__help__subcmd__render_commands] )) ||
_etl__subcmd__workflows__subcmd__help__subcmd__render_commands() {
    local commands; commands=()
    _describe -t commands 'etl workflows help render commands' commands "$@"
}
(( $+functions[_etl__subcmd__workflows__subcmd__help__subcmd__retry_commands] )) ||
_etl__subcmd__workflows__subcmd__help__subcmd__retry_commands() {
    local commands; commands=()
    _describe -t commands 'etl workflows help retry commands' commands "$@"
}
(( $+functions[_etl__subcmd__workflows__subcmd__help__subcmd__run_commands] )) ||
_etl__subcmd__workflows__subcmd__help__subcmd__run_commands() {
    local commands; commands=()
    _describe -t commands 'etl workflows help run commands' commands "$@"
}
(( $+functions[_etl__subcmd__workflows__subcmd__help__subcmd__runs_commands] )) ||
_etl__subcmd__workflows__subcmd__help__subcmd__runs_commands() {
    local commands; commands=()
    _describe -t commands 'etl workflows help runs commands' commands "$@"
}
(( $+functions[_etl__subcmd__workflows__subcmd__help__subcmd__schedule_commands] )) ||
_etl__subcmd__workflows__subcmd__help__subcmd__schedule_commands() {
    local commands; commands=()
    _describe -t commands 'etl workflows help schedule commands' commands "$@"
}
(( $+functions[_etl__subcmd__workflows__subcmd__help__subcmd__show_commands] )) ||
_etl__subcmd__workflows__subcmd__help__subcmd__show_commands() {
    local commands; commands=()
    _describe -t commands 'etl workflows help show commands' commands "$@"
}
(( $+functions[_etl__subcmd__workflows__subcmd__list_commands] )) ||
_etl__subcmd__workflows__subcmd__list_commands() {
    local commands; commands=()
    _describe -t commands 'etl workflows list commands' commands "$@"
}
(( $+functions[_etl__subcmd__workflows__subcmd__render_commands] )) ||
_etl__subcmd__workflows__subcmd__render_commands() {
    local commands; commands=()
    _describe -t commands 'etl workflows render commands' commands "$@"
}
(( $+functions[_etl__subcmd__workflows__subcmd__retry_commands] )) ||
_etl__subcmd__workflows__subcmd__retry_commands() {
    local commands; commands=()
    _describe -t commands 'etl workflows retry commands' commands "$@"
}
(( $+functions[_etl__subcmd__workflows__subcmd__run_commands] )) ||
_etl__subcmd__workflows__subcmd__run_commands() {
    local commands; commands=()
    _describe -t commands 'etl workflows run commands' commands "$@"
}
(( $+functions[_etl__subcmd__workflows__subcmd__runs_commands] )) ||
_etl__subcmd__workflows__subcmd__runs_commands() {
    local commands; commands=()
    _describe -t commands 'etl workflows runs commands' commands "$@"
}
(( $+functions[_etl__subcmd__workflows__subcmd__schedule_commands] )) ||
_etl__subcmd__workflows__subcmd__schedule_commands() {
    local commands; commands=()
    _describe -t commands 'etl workflows schedule commands' commands "$@"
}
(( $+functions[_etl__subcmd__workflows__subcmd__show_commands] )) ||
_etl__subcmd__workflows__subcmd__show_commands() {
    local commands; commands=()
    _describe -t commands 'etl workflows show commands' commands "$@"
}

if [ "$funcstack[1]" = "_etl" ]; then
    _etl "$@"
else
    compdef _etl etl
fi
