// Hardware vendors (system, board, BIOS, CPU, GPU, disks) and virtualisation or cloud, from
// systeminformation (DMI on Linux, WMI on Windows).
import { si, type Si } from '../sysinfo.ts';
import { clean, type InventorySource } from './types.ts';

// Placeholders that firmware vendors leave in DMI fields.
const PLACEHOLDERS = /^(?:-|0|none|n\/a|na|not specified|not applicable|default string|to be filled by o\.?e\.?m\.?|system manufacturer|system product name|oem|o\.e\.m\.|unknown|undefined|123456789|0123456789)$/i;

export function dmiValue(value: string | null | undefined): string | null {
  const cleaned = clean(value, 256);
  return cleaned && !PLACEHOLDERS.test(cleaned) ? cleaned : null;
}

/** Cloud provider from DMI strings, as the providers document them. */
export function detectCloud(fields: { manufacturer?: string | null; model?: string | null; biosVendor?: string | null; assetTag?: string | null }): string | null {
  const all = [fields.manufacturer, fields.model, fields.biosVendor, fields.assetTag].filter(Boolean).join(' | ');
  if (/amazon ec2/i.test(all)) return 'Amazon EC2';
  if (/google compute engine|^google\b/i.test(all)) return 'Google Compute Engine';
  if (fields.assetTag === '7783-7084-3265-9085-8269-3286-77') return 'Microsoft Azure';
  if (/oraclecloud/i.test(all)) return 'Oracle Cloud';
  if (/alibaba cloud/i.test(all)) return 'Alibaba Cloud';
  if (/scaleway/i.test(all)) return 'Scaleway';
  if (/hetzner/i.test(all)) return 'Hetzner Cloud';
  if (/outscale/i.test(all)) return '3DS Outscale';
  if (/\bovh/i.test(all)) return 'OVHcloud';
  if (/openstack/i.test(all)) return 'OpenStack';
  return null;
}

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
        disks: disks
          .map((disk) => ({ manufacturer: dmiValue(disk.vendor), model: dmiValue(disk.name) }))
          .filter((disk) => disk.manufacturer || disk.model),
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
