// Types of the systeminformation modules the agent imports one by one (see sysinfo.ts).
declare module 'systeminformation/lib/system.js' {
  import type { Systeminformation as Si } from 'systeminformation';
  export function system(): Promise<Si.SystemData>;
  export function bios(): Promise<Si.BiosData>;
  export function baseboard(): Promise<Si.BaseboardData>;
  export function chassis(): Promise<Si.ChassisData>;
}
declare module 'systeminformation/lib/osinfo.js' {
  import type { Systeminformation as Si } from 'systeminformation';
  export function osInfo(): Promise<Si.OsData>;
  export function uuid(): Promise<Si.UuidData>;
}
declare module 'systeminformation/lib/cpu.js' {
  import type { Systeminformation as Si } from 'systeminformation';
  export function cpu(): Promise<Si.CpuData>;
}
declare module 'systeminformation/lib/graphics.js' {
  import type { Systeminformation as Si } from 'systeminformation';
  export function graphics(): Promise<Si.GraphicsData>;
}
declare module 'systeminformation/lib/filesystem.js' {
  import type { Systeminformation as Si } from 'systeminformation';
  export function diskLayout(): Promise<Si.DiskLayoutData[]>;
}
