// The scheduled task that runs the agent as SYSTEM on Windows: ten minutes after startup, and every
// day at the configured time plus a random delay of up to two hours, so that thousands of
// workstations do not report in the same minute. Registered by the MSI through
// `tiebreak-agent task install`, removed on uninstall. Defined as Task Scheduler XML (schtasks /XML).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TASK_NAME = 'tiebreak-agent';

const xmlEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** "M H * * *" (daily) to a time of day; other cron forms keep the default time. */
export function dailyTime(schedule: string | undefined): string {
  const match = schedule && /^(\d{1,2}) (\d{1,2}) \* \* \*$/.exec(schedule.trim());
  if (!match || Number(match[1]) > 59 || Number(match[2]) > 23) return '09:00:00';
  return `${match[2]!.padStart(2, '0')}:${match[1]!.padStart(2, '0')}:00`;
}

export function taskXml(exe: string, schedule?: string): string {
  return `<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo><Description>tiebreak agent: sends this machine's inventory to the collector</Description></RegistrationInfo>
  <Triggers>
    <BootTrigger><Enabled>true</Enabled><Delay>PT10M</Delay></BootTrigger>
    <CalendarTrigger>
      <StartBoundary>2026-01-01T${dailyTime(schedule)}</StartBoundary>
      <RandomDelay>PT2H</RandomDelay>
      <ScheduleByDay><DaysInterval>1</DaysInterval></ScheduleByDay>
    </CalendarTrigger>
  </Triggers>
  <Principals><Principal id="System"><UserId>S-1-5-18</UserId><RunLevel>HighestAvailable</RunLevel></Principal></Principals>
  <Settings>
    <StartWhenAvailable>true</StartWhenAvailable>
    <ExecutionTimeLimit>PT1H</ExecutionTimeLimit>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
  </Settings>
  <Actions Context="System"><Exec><Command>${xmlEscape(exe)}</Command><Arguments>send</Arguments></Exec></Actions>
</Task>
`;
}

function schtasks(args: string[]): void {
  const system32 = join(process.env.SystemRoot ?? 'C:\\Windows', 'System32', 'schtasks.exe');
  execFileSync(system32, args, { stdio: 'ignore', windowsHide: true });
}

export function installTask(exe = process.execPath, schedule?: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'tiebreak-task-'));
  const file = join(dir, 'task.xml');
  try {
    writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(taskXml(exe, schedule), 'utf16le')]));
    schtasks(['/Create', '/F', '/TN', TASK_NAME, '/XML', file]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function removeTask(): void {
  try {
    schtasks(['/Delete', '/F', '/TN', TASK_NAME]);
  } catch {
    // Already gone: nothing to remove.
  }
}
