// Values read from firmware and tools, as every reader of inventories needs them: bounded and
// trimmed, firmware placeholders dropped, cloud providers recognised from DMI strings. Tiebreak's
// agent and the collector's mapping of other agents' reports use these same functions.

/** Trim and bound a value from a tool's output; control characters become spaces; empty becomes null. */
export function clean(value: string | null | undefined, max = 1024): string | null {
  if (value == null) return null;
  const trimmed = value.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
  return trimmed ? trimmed.slice(0, max) : null;
}

// Placeholders that firmware vendors leave in DMI fields.
const PLACEHOLDERS =
  /^(?:-|0|none|n\/a|na|not specified|not applicable|default string|to be filled by o\.?e\.?m\.?|system manufacturer|system product name|oem|o\.e\.m\.|unknown|undefined|123456789|0123456789)$/i;

export function dmiValue(value: string | null | undefined): string | null {
  const cleaned = clean(value, 256);
  return cleaned && !PLACEHOLDERS.test(cleaned) ? cleaned : null;
}

/** Cloud provider from DMI strings, as the providers document them. */
export function detectCloud(fields: {
  manufacturer?: string | null;
  model?: string | null;
  biosVendor?: string | null;
  assetTag?: string | null;
}): string | null {
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
