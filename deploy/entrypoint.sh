#!/bin/sh
# The image's entrypoint: one image, the service chosen by the first argument or PMO_SERVICE.
#   entrypoint.sh portfolio|risk|resource|reporting    serve it with uvicorn on its port
#   entrypoint.sh migrate <service>|all                 apply migrations up to head, then exit
# PMO_PORT overrides the service's port (8001-8004), PMO_HOST the bind address (0.0.0.0 in the image).
# PMO_ENTRYPOINT_DRY_RUN=1 prints the command instead of running it (used by tests/deploy).
set -eu

run() {
    if [ "${PMO_ENTRYPOINT_DRY_RUN:-}" = "1" ]; then
        echo "$@"
        exit 0
    fi
    exec "$@"
}

usage() {
    echo "usage: entrypoint.sh portfolio|risk|resource|reporting | migrate <service>|all" >&2
    exit 64
}

if [ "$#" -eq 0 ]; then
    [ -n "${PMO_SERVICE:-}" ] || usage
    set -- "$PMO_SERVICE"
fi

command="$1"
shift
case "$command" in
    portfolio) default_port=8001 ;;
    risk) default_port=8002 ;;
    resource) default_port=8003 ;;
    reporting) default_port=8004 ;;
    migrate)
        [ "$#" -eq 1 ] || usage
        case "$1" in
            portfolio | risk | resource | reporting | all) ;;
            *) usage ;;
        esac
        run python -m pmo_common.cli migrate "$1"
        ;;
    *) usage ;;
esac

[ "$#" -eq 0 ] || usage
port="${PMO_PORT:-$default_port}"
export PMO_PORT="$port"
run uvicorn --factory "pmo_${command}.main:create_app" \
    --host "${PMO_HOST:-0.0.0.0}" --port "$port" \
    --no-access-log --log-level "${PMO_UVICORN_LOG_LEVEL:-warning}" \
    --proxy-headers --forwarded-allow-ips "${PMO_FORWARDED_ALLOW_IPS:-127.0.0.1}" \
    --timeout-graceful-shutdown "${PMO_GRACEFUL_SHUTDOWN_SECONDS:-20}"
