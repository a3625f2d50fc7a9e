// Schema of the rules commons (rules/*.yaml): vendors with their products, countries, alternatives.
// The files are data reviewed by people; these schemas say exactly what a file may contain.
import { z } from 'zod';
import { SOFTWARE_SOURCES } from './wire.ts';

export const AREAS = ['infrastructure', 'workstation', 'software'] as const;
export const ORIGINS = ['eu', 'europe', 'non_eu', 'community', 'unknown'] as const;
export const LICENCES = ['open_source', 'proprietary', 'unknown'] as const;
export const VENDOR_KINDS = ['company', 'community', 'public'] as const;
export const REGIONS = ['eea', 'europe', 'other'] as const;
export const MATURITIES = ['mature', 'usable', 'emerging'] as const;
export const MIGRATIONS = ['easy', 'moderate', 'hard'] as const;
export type Maturity = (typeof MATURITIES)[number];
export type Migration = (typeof MIGRATIONS)[number];

export type Area = (typeof AREAS)[number];
export type Origin = (typeof ORIGINS)[number];
export type Licence = (typeof LICENCES)[number];
export type Region = (typeof REGIONS)[number];

/** Sources an item can be matched on by package name: the agent's plus the collector's own kinds. */
export const MATCH_SOURCES = [...SOFTWARE_SOURCES, 'os', 'hardware'] as const;
export type MatchSource = (typeof MATCH_SOURCES)[number];

const id = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'ids are lower-case letters, digits and dashes');
const countryCode = z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code in capitals');

export const FactSourceSchema = z.object({
  url: z.string().url(),
  as_of: z.string().regex(/^\d{4}(-\d{2}){0,2}$/, 'a date: YYYY, YYYY-MM or YYYY-MM-DD'),
  note: z.string().optional(),
});

export const ExampleSchema = z.object({
  name: z.string().min(1),
  publisher: z.string().optional(),
  source: z.enum(MATCH_SOURCES).optional(),
  package: z.string().optional(),
});
export type Example = z.infer<typeof ExampleSchema>;

export const ProductSchema = z
  .object({
    id,
    name: z.string().min(1),
    area: z.enum(AREAS),
    category: id,
    licence: z.enum(LICENCES),
    /** Drivers, runtimes, redistributables: classified, but shown apart from business dependency. */
    platform: z.boolean().default(false),
    /** Exact normalised names (see normalizeName). */
    names: z.array(z.string().min(1)).default([]),
    /** Regular expressions tested against the normalised name. */
    name_patterns: z.array(z.string().min(1)).default([]),
    /** Names and patterns apply only when the publisher is this vendor's. */
    publisher_required: z.boolean().default(false),
    /** Exact package names per source (dpkg, rpm, snap, flatpak, appx...). */
    packages: z.partialRecord(z.enum(MATCH_SOURCES), z.array(z.string().min(1))).default({}),
    /**
     * The vendor ships these packages into distributions itself: a distribution's build of them
     * (maintainer or vendor a distribution) is still this product. Without it, the distribution's
     * package is the distribution's, whatever its name.
     */
    shipped_in_distributions: z.boolean().default(false),
    /**
     * A platform that hosts machines (hypervisor, container engine, cloud): matched only by the
     * hardware lines of a host (system, hypervisor, cloud) and never by installed software.
     */
    hosting: z.boolean().default(false),
    /** Names hardware models (computers, boards, disks...): matched on hardware lines only, never on software. */
    hardware: z.boolean().default(false),
    alternatives: z.array(id).default([]),
    /** An indicative public list price, for an estimate of spend where no real spend is imported. */
    price: z
      .object({
        eur_per_seat_year: z.number().nonnegative(),
        as_of: z.string().regex(/^\d{4}(-\d{2}){0,2}$/, 'a date: YYYY, YYYY-MM or YYYY-MM-DD'),
        url: z.string().url().optional(),
        note: z.string().optional(),
      })
      .strict()
      .optional(),
    examples: z.array(ExampleSchema).min(1, 'every product carries at least one example it must match'),
    counterexamples: z.array(ExampleSchema).default([]),
  })
  .strict();
export type Product = z.infer<typeof ProductSchema>;

export const VendorSchema = z
  .object({
    id,
    name: z.string().min(1),
    kind: z.enum(VENDOR_KINDS).default('company'),
    /** Headquarters country (for a community project, the seat of its foundation, if any). */
    country: countryCode.optional(),
    /** Ultimate owner (a vendor id) when another company controls this one. */
    owner: id.optional(),
    website: z.string().url().optional(),
    /** French company registry number (SIREN), for French vendors where a public record gives it. */
    siren: z
      .string()
      .regex(/^\d{9}$/, 'a SIREN is 9 digits')
      .optional(),
    sources: z.array(FactSourceSchema).default([]),
    /** Publisher strings as they appear in inventories (compared after normalizePublisher). */
    publishers: z.array(z.string().min(1)).default([]),
    /** Regular expressions tested against the normalised publisher. */
    publisher_patterns: z.array(z.string().min(1)).default([]),
    /** Builds a Linux distribution: its dpkg and rpm packages are its own, whatever their name. */
    distribution: z.boolean().default(false),
    /**
     * Reverse-DNS prefixes of the Flatpak application ids this vendor publishes under (`org.gnome`
     * claims org.gnome.Platform, org.gnome.Maps...): the domain names the project.
     */
    flatpak_prefixes: z
      .array(z.string().regex(/^[a-z0-9-]+(\.[a-zA-Z0-9_-]+)+$/, 'a reverse-DNS prefix such as org.gnome, without a trailing dot'))
      .default([]),
    /** Snap Store publisher accounts of this vendor, as `snap list` prints them (without the verified mark). */
    snap_publishers: z.array(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a Snap Store account name: lower-case letters, digits, dashes')).default([]),
    /** Classification of an item by this publisher that no product of the vendor names. */
    defaults: z
      .object({ area: z.enum(AREAS), category: id, licence: z.enum(LICENCES), platform: z.boolean().default(false) })
      .strict()
      .optional(),
    products: z.array(ProductSchema).default([]),
    note: z.string().optional(),
  })
  .strict()
  .refine((vendor) => vendor.kind === 'community' || vendor.country, {
    message: 'a company or public body needs its headquarters country',
    path: ['country'],
  });
export type Vendor = z.infer<typeof VendorSchema>;

/**
 * A Linux distribution whose package indexes (rules/distributions/*.txt.gz, one package name a
 * line, built by scripts/build-distribution-index.ts) say which packages are its own.
 */
export const DistributionSchema = z
  .object({
    id,
    name: z.string().min(1),
    /** The vendor (a vendor id) its packages are classified as. */
    vendor: id,
    /** The package format of its archive: only items of that source are looked up in its indexes. */
    format: z.enum(['dpkg', 'rpm']),
    /** Regular expression tested against the normalised OS name a host reports (normalizeName). */
    os_pattern: z.string().min(1),
    /** A distribution built from another's archive: names in that one's indexes are in this one's too. */
    derived_from: id.optional(),
    indexes: z
      .array(
        z
          .object({
            release: z.string().min(1),
            file: z.string().regex(/^[a-z0-9][a-z0-9.-]*\.txt\.gz$/, 'a file name of rules/distributions/, ending in .txt.gz'),
            source: z.string().min(1),
            as_of: z.string().regex(/^\d{4}(-\d{2}){0,2}$/, 'a date: YYYY, YYYY-MM or YYYY-MM-DD'),
          })
          .strict(),
      )
      .default([]),
    note: z.string().optional(),
  })
  .strict();
export const DistributionsFileSchema = z.object({ distributions: z.array(DistributionSchema).min(1) }).strict();
export type Distribution = z.infer<typeof DistributionSchema>;

export const CountrySchema = z
  .object({
    code: countryCode,
    name: z.string().min(1),
    region: z.enum(REGIONS),
    /** Laws that reach data held abroad by companies of this country (US CLOUD Act, FISA 702...). */
    laws: z.array(z.string().min(1)).default([]),
  })
  .strict();
export const CountriesFileSchema = z.object({ countries: z.array(CountrySchema).min(1) }).strict();
export type Country = z.infer<typeof CountrySchema>;

export const CategorySchema = z
  .object({
    id,
    name: z.object({ fr: z.string().min(1), en: z.string().min(1) }).strict(),
    /** Default criticality for the dependency assessment: 1 (low) to 3 (high). */
    criticality: z.number().int().min(1).max(3),
    /** How hard leaving a product of this category usually is (formats, training, integrations). */
    migration: z.enum(MIGRATIONS).default('moderate'),
  })
  .strict();
export const CategoriesFileSchema = z.object({ categories: z.array(CategorySchema).min(1) }).strict();
export type Category = z.infer<typeof CategorySchema>;

export const AlternativeSchema = z
  .object({
    id,
    name: z.string().min(1),
    /** The vendor (a vendor id) or, for a community project, the community vendor id. */
    vendor: id.optional(),
    country: countryCode.optional(),
    licence: z.enum(LICENCES),
    /** Listed in the French government's Socle interministériel de logiciels libres. */
    sill: z.boolean().default(false),
    maturity: z.enum(MATURITIES),
    /** Overrides the category's migration difficulty for this alternative. */
    migration: z.enum(MIGRATIONS).optional(),
    /**
     * Other categories whose products it replaces too, beside its file's (Jitsi Meet replaces the
     * meetings of a messaging-collaboration suite): only where it does the job those products do.
     */
    also_for: z.array(id).default([]),
    note: z.string().min(1),
    website: z.string().url().optional(),
  })
  .strict();
export const AlternativesFileSchema = z
  .object({
    category: id,
    alternatives: z.array(AlternativeSchema).min(1),
  })
  .strict();
export type Alternative = z.infer<typeof AlternativeSchema>;

/** Origin class of an item from its vendor's kind and its ultimate owner's country region. */
export function originOf(kind: Vendor['kind'], ownerRegion: Region): Origin {
  if (kind === 'community') return 'community';
  if (ownerRegion === 'eea') return 'eu';
  if (ownerRegion === 'europe') return 'europe';
  return 'non_eu';
}
