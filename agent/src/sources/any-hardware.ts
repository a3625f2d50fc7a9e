// Hardware vendors (system, board, BIOS, CPU, GPU, disks) and virtualisation or cloud, from
// systeminformation (DMI on Linux, WMI on Windows).
import { si, type Si } from '../sysinfo.ts';
import { dmiValue, detectCloud } from '@tiebreak/shared';
import type { InventorySource } from './types.ts';

export { dmiValue, detectCloud };

export const anyHardware: InventorySource = {
  id: 'any-hardware',
  platforms: ['linux', 'win32', 'darwin'],
  async collect(context) {
    const [system, bios, board, cpu, graphics, disks, chassis] = await Promise.all([
      si.system(),
      si.bios(),
      si.baseboard(),
      si.cpu(),
      si.graphics().catch(() => ({ controllers: [] as Si.GraphicsControllerData[] })),
      si.diskLayout().catch(() => [] as Si.DiskLayoutData[]),
      si.chassis(),
    ]);
    const virtualization = system.virtual ? (dmiValue(system.virtualHost) ?? 'unknown hypervisor') : null;
    context.log.debug(`hardware: ${system.manufacturer} ${system.model}, virtual=${system.virtual}`);
    return {
      hardware: {
        system: { manufacturer: dmiValue(system.manufacturer), model: dmiValue(system.model), chassis: dmiValue(chassis.type) },
        board: { manufacturer: dmiValue(board.manufacturer), model: dmiValue(board.model) },
        bios: { vendor: dmiValue(bios.vendor), version: dmiValue(bios.version) },
        cpus: dmiValue(cpu.manufacturer) ? [{ manufacturer: dmiValue(cpu.manufacturer), model: dmiValue(cpu.brand) }] : [],
        gpus: graphics.controllers
          .map((gpu) => ({ manufacturer: dmiValue(gpu.vendor), model: dmiValue(gpu.model) }))
          .filter((gpu) => gpu.manufacturer || gpu.model),
        disks: disks.map((disk) => ({ manufacturer: dmiValue(disk.vendor), model: dmiValue(disk.name) })).filter((disk) => disk.manufacturer || disk.model),
        virtualization,
        cloud: detectCloud({
          manufacturer: system.manufacturer,
          model: system.model,
          biosVendor: bios.vendor,
          assetTag: chassis.assetTag,
        }),
      },
    };
  },
};
