# Sourced by the A/B benchmarks (scripts/bench-stock, bench-events, bench-tracing): a commerce-server to
# measure and its first users. Needs `server` (the binary), `work` (a temporary directory) and `bench_name`
# (for messages); exports a fresh JWT_SECRET and API_KEY for the servers it starts.

export JWT_SECRET="$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
export API_KEY="$(python3 -c 'import secrets; print(secrets.token_hex(32))')"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)[sys.argv[1]])" "$1"; }

# start_server DATA_DIR [NAME=VALUE…]: `commerce-server all` on DATA_DIR, pinned to BENCH_SERVER_CORE (0),
# with the extra environment given; sets `users`, `orders` (base URLs) and `server_pid`, and returns once
# both answer /health (at most 30 s each).
start_server() {
    local data="$1"
    shift
    local user_port order_port url deadline
    user_port="$(free_port)"
    order_port="$(free_port)"
    env "$@" taskset -c "${BENCH_SERVER_CORE:-0}" "$server" all --data-dir "$data" \
        --user-service-port "$user_port" --order-service-port "$order_port" >"$work/server.log" 2>&1 &
    server_pid=$!
    users="http://127.0.0.1:$user_port"
    orders="http://127.0.0.1:$order_port"
    for url in "$users" "$orders"; do
        deadline=$((SECONDS + 30))
        until curl -fsS -o /dev/null "$url/health" 2>/dev/null; do
            ((SECONDS < deadline)) || { echo "$bench_name: $url did not answer" >&2; cat "$work/server.log" >&2; exit 1; }
            sleep 0.1
        done
    done
}

# register_and_log_in NAME EMAIL: registers a user on `users` and prints their login answer (JSON).
register_and_log_in() {
    curl -fsS -X POST "$users/api/user" -H 'content-type: application/json' \
        -d "{\"username\":\"$1\",\"email\":\"$2\",\"password\":\"bench-password-123\"}" >/dev/null
    curl -fsS -X POST "$users/api/user/login" -H 'content-type: application/json' \
        -d "{\"email\":\"$2\",\"password\":\"bench-password-123\"}"
}

# staff_token: a member of staff (made so with API_KEY), signed in again for a token that says so.
staff_token() {
    local id
    id="$(register_and_log_in Staff staff@example.com | json userId)"
    curl -fsS -X PUT "$users/api/user/$id/role" -H "x-api-key: $API_KEY" -H 'content-type: application/json' \
        -d '{"role":"staff"}' >/dev/null
    curl -fsS -X POST "$users/api/user/login" -H 'content-type: application/json' \
        -d '{"email":"staff@example.com","password":"bench-password-123"}' | json token
}
