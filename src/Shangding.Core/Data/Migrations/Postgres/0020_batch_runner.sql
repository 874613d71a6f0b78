-- 0020: which process runs a Running batch (machine, process id and the process's start time, see BatchRunner), so a
-- batch left Running by a process that died on this machine is marked interrupted at once (at the web app's start, or
-- when its page is opened) instead of after the six hours that cover batches of other machines.
ALTER TABLE intake_batches ADD COLUMN runner text NULL;
