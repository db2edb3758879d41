# shellcheck shell=sh
# etl: the window of a scheduled (cron) run, worked out inside the pod.
#
# The CronJob controller names each Job <cronjob>-<scheduled time in minutes since the epoch>,
# and Kubernetes puts that name in the pod's `batch.kubernetes.io/job-name` label, which the
# pod gets as ETL_RUN_ID. From it, the job's window period (ETL_WINDOW_PERIOD) and time zone
# (ETL_TIMEZONE) this computes the concrete [start, end): the whole period before the one the
# run was scheduled in. A retry days later still processes the same window. Then it runs the
# job's command with the arguments and env vars a manual run gets:
#   COMMAND... JOB START END CONFIG
# Needs a POSIX sh and `date` (GNU or busybox); for a time zone other than UTC, the zone's file
# under /usr/share/zoneinfo (Debian: the tzdata package).
set -eu
tz=${ETL_TIMEZONE:-UTC}
if [ "$tz" != UTC ] && [ ! -e "/usr/share/zoneinfo/$tz" ]; then
  echo "etl: time zone $tz is not in this image (/usr/share/zoneinfo/$tz): install tzdata" >&2
  exit 2
fi
minutes=${ETL_RUN_ID##*-}
case $minutes in
  '' | *[!0-9]*)
    echo "etl: cannot read the scheduled time from the run id '$ETL_RUN_ID'" >&2
    exit 2
    ;;
esac
# The wall-clock time of epoch second $1 in the job's time zone, formatted with $2.
local_at() { TZ=$tz date -d "@$1" "+$2"; }
# The epoch second of the wall-clock time $1 ("YYYY-MM-DD HH:MM:SS") in the job's time zone.
epoch_of() { TZ=$tz date -d "$1" +%s; }
# The first second of the period that contains epoch second $1.
floor() {
  case ${ETL_WINDOW_PERIOD:-day} in
    hour)
      # Subtract the minutes and seconds past the local hour: exact even in the hour a
      # daylight-saving change repeats, and in zones whose offset is not whole hours.
      m=$(local_at "$1" %M)
      s=$(local_at "$1" %S)
      echo $(($1 - ${m#0} * 60 - ${s#0}))
      ;;
    day) epoch_of "$(local_at "$1" '%Y-%m-%d 00:00:00')" ;;
    week)
      # Step back whole days from local noon, which no daylight-saving jump can push into
      # another day.
      noon=$(epoch_of "$(local_at "$1" '%Y-%m-%d 12:00:00')")
      dow=$(local_at "$1" %u)
      epoch_of "$(local_at $((noon - (dow - 1) * 86400)) '%Y-%m-%d 00:00:00')"
      ;;
    month) epoch_of "$(local_at "$1" '%Y-%m-01 00:00:00')" ;;
    *)
      echo "etl: unknown window period '$ETL_WINDOW_PERIOD'" >&2
      exit 2
      ;;
  esac
}
# RFC 3339 with the zone's offset at that instant: 2026-11-22T00:00:00+01:00.
rfc3339() {
  utc_of_wall=$(TZ=UTC date -d "$(local_at "$1" '%Y-%m-%d %H:%M:%S')" +%s)
  off=$((utc_of_wall - $1))
  sign=+
  if [ "$off" -lt 0 ]; then
    sign=-
    off=$((-off))
  fi
  printf '%s%s%02d:%02d' "$(local_at "$1" '%Y-%m-%dT%H:%M:%S')" "$sign" $((off / 3600)) $((off % 3600 / 60))
}
end=$(floor $((minutes * 60)))
start=$(floor $((end - 1)))
if [ "$start" -ge "$end" ]; then
  echo "etl: could not work out the window before $(local_at "$end" '%Y-%m-%d %H:%M:%S') in $tz" >&2
  exit 2
fi
ETL_WINDOW_START=$(rfc3339 "$start")
ETL_WINDOW_END=$(rfc3339 "$end")
export ETL_WINDOW_START ETL_WINDOW_END
exec "$@" "$ETL_WINDOW_START" "$ETL_WINDOW_END" "$ETL_CONFIG"
