-- ids.lua -- wrk script: each request gets a distinct ID w<thread>-<n> in X-Request-ID and in its path /r/<id>; stops after a total.
-- Usage: wrk -tT -cC -dLIMIT -s ids.lua URL -- TOTAL T DIR. wrk has no request count of its
-- own: each of the T threads stops once ceil(TOTAL / T) responses have come back and creates
-- DIR/done-<thread>; wrk's main thread still sleeps until -d, so the caller sends wrk SIGINT
-- once T such files exist (wrk then prints its results). done() prints one more line:
-- "ids: requests=N responses=N non200=N errors=N".

local threads = {}
local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("tid", counter)
   table.insert(threads, thread)
end

function init(args)
   sent = 0
   responses = 0
   non200 = 0
   local total, nthreads = tonumber(args[1]), tonumber(args[2])
   share = math.ceil(total / nthreads)
   markdir = args[3]
end

function request()
   sent = sent + 1
   local id = "w" .. tid .. "-" .. sent
   return wrk.format("GET", "/r/" .. id, { ["X-Request-ID"] = id })
end

function response(status, headers, body)
   responses = responses + 1
   if status ~= 200 then
      non200 = non200 + 1
   end
   if responses == share then
      local f = assert(io.open(markdir .. "/done-" .. tid, "w"))
      f:close()
      wrk.thread:stop()
   end
end

function done(summary, latency, requests)
   local resp, bad = 0, 0
   for _, t in ipairs(threads) do
      resp = resp + (t:get("responses") or 0)
      bad = bad + (t:get("non200") or 0)
   end
   local e = summary.errors
   io.write(string.format("ids: requests=%d responses=%d non200=%d errors=%d\n",
      summary.requests, resp, bad, e.connect + e.read + e.write + e.status + e.timeout))
end
