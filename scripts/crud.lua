-- wrk script for scripts/load-crud: a mixed read/write load on a scaffold's
-- JSON API. Each connection creates posts (POST), reads them back (GET by
-- id), lists pages (GET) and edits its own posts (PATCH). Every id a 201
-- acknowledged is written to ACKED_DIR/acked-<thread>.txt, so the script
-- can check afterwards that no acknowledged write was lost.

local threads = {}
local counter = 0

function setup(thread)
    counter = counter + 1
    thread:set("tid", counter)
    table.insert(threads, thread)
end

function init(args)
    ids = {}
    created, server_errors, other_errors = 0, 0, 0
    seq = 0
    local dir = os.getenv("ACKED_DIR") or "."
    acked = io.open(dir .. "/acked-" .. tid .. ".txt", "w")
end

local json = "application/json"

function request()
    seq = seq + 1
    local roll = math.random(100)
    if roll <= 30 or #ids == 0 then
        local body = string.format(
            '{"title":"t%d-%d","body":"load test post %d","published":%s}',
            tid, seq, seq, (seq % 2 == 0) and "true" or "false")
        return wrk.format("POST", "/api/posts", {["Content-Type"] = json}, body)
    elseif roll <= 40 then
        local id = ids[math.random(#ids)]
        return wrk.format("PATCH", "/api/posts/" .. id, {["Content-Type"] = json},
            '{"published":true}')
    elseif roll <= 55 then
        return wrk.format("GET", "/api/posts?page=1&per_page=20")
    else
        return wrk.format("GET", "/api/posts/" .. ids[math.random(#ids)])
    end
end

function response(status, headers, body)
    -- Responses are not matched to requests (a thread serves many
    -- connections), so a 201 is recognised by its status: only creates give it.
    if status >= 500 then
        server_errors = server_errors + 1
    elseif status == 201 then
        local id = string.match(body, '"id":(%d+)')
        table.insert(ids, id)
        created = created + 1
        acked:write(id, "\n")
        acked:flush()
    elseif status ~= 200 then
        other_errors = other_errors + 1
    end
end

function done(summary, latency, requests)
    local c, s, o = 0, 0, 0
    for _, t in ipairs(threads) do
        c = c + t:get("created")
        s = s + t:get("server_errors")
        o = o + t:get("other_errors")
    end
    io.write(string.format("acknowledged creates: %d\n5xx responses: %d\nother non-2xx: %d\n", c, s, o))
    io.write(string.format("requests: %d in %.1f s (%.0f/s); latency p50 %.2f ms, p99 %.2f ms\n",
        summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
        latency:percentile(50) / 1000, latency:percentile(99) / 1000))
    io.write(string.format("socket errors: connect %d, read %d, write %d, timeout %d\n",
        summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
end
