-- SPDX-License-Identifier: MIT
-- usage: lua5.4 check_guide.lua ROOT GUIDE
-- Every code block of GUIDE (a Markdown file) preceded by a line "<!-- file: PATH -->" must be a
-- verbatim part of ROOT/PATH, so that the code a guide shows is the code that runs.
local root, guide = arg[1], arg[2]
local function read(path)
    local f, err = io.open(path, "rb")
    if not f then error(err, 0) end
    local s = f:read("a")
    f:close()
    return s
end
local text = read(root .. "/" .. guide)
local count, bad = 0, 0
for path, block in text:gmatch("<!%-%- file: ([^%s]+) %-%->\n```[%w]*\n(.-\n)```") do
    count = count + 1
    if not read(root .. "/" .. path):find(block, 1, true) then
        bad = bad + 1
        io.stderr:write(string.format("%s: excerpt %d is not a verbatim part of %s:\n%s", guide,
            count, path, block))
    end
end
if count == 0 then
    io.stderr:write(guide .. ": no excerpt marked <!-- file: PATH --> found\n")
    os.exit(1)
end
print(string.format("%s: %d excerpts, %d not verbatim", guide, count, bad))
os.exit(bad == 0 and 0 or 1)
