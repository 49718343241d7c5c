-- id.lua -- wrk script for scripts/bench.sh: every request carries its own X-Request-ID (bench-<thread>-<n>).
local n = 0
local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("tid", counter)
end

function request()
   n = n + 1
   return wrk.format("GET", "/", { ["X-Request-ID"] = "bench-" .. tid .. "-" .. n })
end
