-- id.lua -- wrk script for scripts/bench.sh: every request carries an X-Request-ID (bench-<thread>-<n>, 4,096 distinct per thread, built once so the client stays cheap).
local counter = 0
local reqs = {}
local n = 0

function setup(thread)
   counter = counter + 1
   thread:set("tid", counter)
end

function init(args)
   for i = 1, 4096 do
      reqs[i] = wrk.format("GET", "/", { ["X-Request-ID"] = "bench-" .. tid .. "-" .. i })
   end
end

function request()
   n = n % 4096 + 1
   return reqs[n]
end
