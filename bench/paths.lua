-- wrk script: request the paths listed in a file (one per line) in turn, each thread starting
-- at its own offset, so the server sees many different URLs rather than one repeated; report
-- like stats.lua. Usage: wrk ... -s paths.lua http://127.0.0.1:PORT -- PATHS_FILE

local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
dofile(here .. "stats.lua")

local threads = 0

function setup(thread)
  thread:set("thread_no", threads)
  threads = threads + 1
end

function init(args)
  paths = {}
  for line in io.lines(args[1]) do
    if line ~= "" then paths[#paths + 1] = line end
  end
  if #paths == 0 then error("no paths in " .. tostring(args[1])) end
  -- spread the threads over the list: thread k starts k/8 of the way in
  next_path = (math.floor((thread_no or 0) * #paths / 8) % #paths) + 1
end

function request()
  local path = paths[next_path]
  next_path = next_path % #paths + 1
  return wrk.format("GET", path)
end
