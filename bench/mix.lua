-- wrk script for the mixed benchmark: each thread replays its own disjoint block of the listed
-- paths in turn (thread k of T: the k-th T-th of the file), so no two threads repeat a URL
-- shortly after each other and a URL comes back only after every other one of its block.
-- Reports like stats.lua. Usage: wrk -tT ... -s mix.lua http://127.0.0.1:PORT -- PATHS_FILE T

local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
dofile(here .. "stats.lua")

local threads = 0

function setup(thread)
  thread:set("thread_no", threads)
  threads = threads + 1
end

function init(args)
  local all = {}
  for line in io.lines(args[1]) do
    if line ~= "" then all[#all + 1] = line end
  end
  local count = tonumber(args[2] or "1")
  local k = thread_no or 0
  local first = math.floor(k * #all / count) + 1
  local last = math.floor((k + 1) * #all / count)
  paths = {}
  for i = first, last do paths[#paths + 1] = all[i] end
  if #paths == 0 then error("no paths for thread " .. k .. " in " .. tostring(args[1])) end
  next_path = 1
end

function request()
  local path = paths[next_path]
  next_path = next_path % #paths + 1
  return wrk.format("GET", path)
end
