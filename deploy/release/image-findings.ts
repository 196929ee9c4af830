import { parseArgs } from 'node:util';
import {
  type CoveredResource,
  type Finding,
  Inspector2Client,
  paginateListCoverage,
  paginateListFindings,
} from '@aws-sdk/client-inspector2';

// The release build's gate on the pushed image (GOV-4): with Inspector on, ECR's enhanced scanning scans
// each pushed image; this waits until Inspector has scanned the image, then fails the build on any
// active HIGH or CRITICAL finding. It runs the same from a laptop with the account's credentials:
// npx tsx deploy/release/image-findings.ts --repository hello/service --tag <tag> [--timeout 900]

/** The severities that fail the build. */
export const BLOCKING_SEVERITIES = ['CRITICAL', 'HIGH'] as const;

/** Coverage reasons of an image Inspector has yet to scan: the gate keeps waiting. */
const SCANNING = new Set(['PENDING_INITIAL_SCAN', 'PENDING_REVIVAL_SCAN', 'SCAN_IN_PROGRESS']);
/** Reasons of an image whose scan is done; scan-on-push images go inactive once scanned. */
const SCANNED = new Set(['SUCCESSFUL', 'SCAN_FREQUENCY_SCAN_ON_PUSH']);

/** The image to check. */
export interface ImageFindingsOptions {
  /** The repository name, e.g. `hello/service`. */
  readonly repository: string;
  /** The pushed tag. */
  readonly tag: string;
  /** How long to wait for the scan. @default 900 s */
  readonly timeoutMs?: number;
  /** Wait between two looks at the scan. @default 15 s */
  readonly intervalMs?: number;
  /** @default a client of the environment's region */
  readonly inspector?: Inspector2Client;
}

/** One blocking finding, as the build log lists it. */
export interface ImageFinding {
  readonly severity: string;
  readonly vulnerability: string;
  /** `name@version` of each vulnerable package. */
  readonly packages: readonly string[];
  /** `YES`, `PARTIAL` or `NO`, with the fixed versions when Inspector knows them. */
  readonly fix: string;
}

const equals = (value: string) => [{ comparison: 'EQUALS' as const, value }];

/** Inspector's coverage of the image, once its scan is done; undefined while it is pending. */
async function scannedCoverage(inspector: Inspector2Client, options: ImageFindingsOptions) {
  // A filtered page may come back empty with a token for the next one: every page is read.
  const pages = paginateListCoverage(
    { client: inspector },
    {
      filterCriteria: {
        resourceType: equals('AWS_ECR_CONTAINER_IMAGE'),
        ecrRepositoryName: equals(options.repository),
        ecrImageTags: equals(options.tag),
      },
    },
  );
  let image: CoveredResource | undefined;
  for await (const page of pages) image ??= page.coveredResources?.[0];
  const reason = image?.scanStatus?.reason ?? '';
  if (image === undefined || SCANNING.has(reason)) return undefined;
  if (!SCANNED.has(reason))
    // An image Inspector cannot scan (unsupported OS, too large…) is not a clean image.
    throw new Error(`Inspector cannot scan it: ${reason || 'no reason given'}`);
  return image;
}

/** The finding as one line of the build log. */
function describe(finding: Finding): ImageFinding {
  const details = finding.packageVulnerabilityDetails;
  const packages = details?.vulnerablePackages ?? [];
  const fixedIn = packages.flatMap((p) => (p.fixedInVersion ? [`${p.name} ${p.fixedInVersion}`] : []));
  return {
    severity: finding.severity ?? 'UNKNOWN',
    vulnerability: details?.vulnerabilityId ?? finding.title ?? finding.findingArn ?? 'unnamed',
    packages: packages.map((p) => `${p.name}@${p.version}`),
    fix: `${finding.fixAvailable ?? 'NO'}${fixedIn.length > 0 ? ` (${fixedIn.join(', ')})` : ''}`,
  };
}

/**
 * Waits for Inspector's scan of the image, then resolves with its active HIGH and CRITICAL findings
 * (empty when it is clean); rejects when the scan does not finish in time or cannot be read.
 */
export async function imageFindings(options: ImageFindingsOptions): Promise<ImageFinding[]> {
  const inspector = options.inspector ?? new Inspector2Client({});
  const timeoutMs = options.timeoutMs ?? 900_000;
  const intervalMs = options.intervalMs ?? 15_000;
  const image = `${options.repository}:${options.tag}`;
  const deadline = Date.now() + timeoutMs;
  const read = async <T>(call: () => Promise<T>): Promise<T> =>
    call().catch((error: Error) => {
      const denied = error.name === 'AccessDeniedException';
      throw new Error(
        denied
          ? `${image}: not allowed to read Inspector (inspector2:ListCoverage and inspector2:ListFindings): ${error.message}`
          : `${image}: ${error.message}`,
      );
    });
  while ((await read(() => scannedCoverage(inspector, options))) === undefined) {
    if (Date.now() + intervalMs > deadline)
      throw new Error(
        `${image}: Inspector has not finished scanning it after ${timeoutMs / 1000} s; is ECR enhanced scanning on in this region?`,
      );
    await new Promise((wait) => setTimeout(wait, intervalMs));
  }
  const findings: ImageFinding[] = [];
  await read(async () => {
    const pages = paginateListFindings(
      { client: inspector },
      {
        filterCriteria: {
          resourceType: equals('AWS_ECR_CONTAINER_IMAGE'),
          ecrImageRepositoryName: equals(options.repository),
          ecrImageTags: equals(options.tag),
          findingStatus: equals('ACTIVE'),
          severity: BLOCKING_SEVERITIES.flatMap(equals),
        },
      },
    );
    for await (const page of pages) findings.push(...(page.findings ?? []).map(describe));
  });
  return findings;
}

/** Where {@link gate} writes: the build log. */
export interface GateLog {
  readonly log: (line: string) => void;
  readonly error: (line: string) => void;
}

/** The build step: lists each blocking finding; the exit code is 1 on any of them or on an error, else 0. */
export async function gate(options: ImageFindingsOptions, out: GateLog = console): Promise<number> {
  const image = `${options.repository}:${options.tag}`;
  let findings: ImageFinding[];
  try {
    findings = await imageFindings(options);
  } catch (error) {
    out.error((error as Error).message);
    return 1;
  }
  for (const f of findings)
    out.log(
      `${f.severity} ${f.vulnerability} in ${f.packages.join(', ') || 'the image'}; fix available: ${f.fix}`,
    );
  if (findings.length > 0) {
    out.error(`${image}: ${findings.length} active HIGH or CRITICAL finding(s): the release stops here`);
    return 1;
  }
  out.log(`${image}: no active HIGH or CRITICAL finding`);
  return 0;
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      repository: { type: 'string' },
      tag: { type: 'string' },
      timeout: { type: 'string', default: '900' },
    },
  });
  if (values.repository === undefined || values.tag === undefined) {
    console.error(
      'usage: npx tsx deploy/release/image-findings.ts --repository <name> --tag <tag> [--timeout s]',
    );
    process.exit(2);
  }
  process.exit(
    await gate({ repository: values.repository, tag: values.tag, timeoutMs: Number(values.timeout) * 1000 }),
  );
}
