// The parts of systeminformation the agent uses, imported module by module: the whole library
// costs about 10 MB more memory for functions the agent never calls.
import type { Systeminformation as Si } from 'systeminformation';
import * as cpuModule from 'systeminformation/lib/cpu.js';
import * as filesystemModule from 'systeminformation/lib/filesystem.js';
import * as graphicsModule from 'systeminformation/lib/graphics.js';
import * as osModule from 'systeminformation/lib/osinfo.js';
import * as systemModule from 'systeminformation/lib/system.js';

export const si = {
  system: (): Promise<Si.SystemData> => systemModule.system(),
  bios: (): Promise<Si.BiosData> => systemModule.bios(),
  baseboard: (): Promise<Si.BaseboardData> => systemModule.baseboard(),
  chassis: (): Promise<Si.ChassisData> => systemModule.chassis(),
  osInfo: (): Promise<Si.OsData> => osModule.osInfo(),
  uuid: (): Promise<Si.UuidData> => osModule.uuid(),
  cpu: (): Promise<Si.CpuData> => cpuModule.cpu(),
  graphics: (): Promise<Si.GraphicsData> => graphicsModule.graphics(),
  diskLayout: (): Promise<Si.DiskLayoutData[]> => filesystemModule.diskLayout(),
};
export type { Si };
