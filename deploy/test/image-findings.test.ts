import {
  type CoveredResource,
  type Finding,
  Inspector2Client,
  ListCoverageCommand,
  ListFindingsCommand,
} from '@aws-sdk/client-inspector2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { gate } from '../release/image-findings.ts';

const inspector = mockClient(Inspector2Client);
const image = { repository: 'hello/service', tag: 'abcdef123456', intervalMs: 5, timeoutMs: 200 };

/** The coverage Inspector reports for the image while its scan is in the given state. */
const covered = (
  statusCode: 'ACTIVE' | 'INACTIVE',
  reason: string,
): { coveredResources: CoveredResource[] } => ({
  coveredResources: [
    {
      resourceType: 'AWS_ECR_CONTAINER_IMAGE',
      resourceId: 'arn:aws:ecr:us-east-1:111111111111:repository/hello/service/sha256:0123',
      accountId: '111111111111',
      scanType: 'PACKAGE',
      scanStatus: { statusCode, reason },
    } as CoveredResource,
  ],
});

const finding = (severity: string, cve: string, name: string, fixedInVersion?: string): Finding =>
  ({
    findingArn: `arn:aws:inspector2:us-east-1:111111111111:finding/${cve}`,
    severity,
    status: 'ACTIVE',
    fixAvailable: fixedInVersion ? 'YES' : 'NO',
    packageVulnerabilityDetails: {
      vulnerabilityId: cve,
      source: 'NVD',
      vulnerablePackages: [{ name, version: '1.0.0', fixedInVersion }],
    },
  }) as Finding;

/** Runs the gate on the mocked Inspector; its exit code and the lines it wrote. */
async function run() {
  const lines: string[] = [];
  const code = await gate(
    { ...image, inspector: new Inspector2Client({ region: 'us-east-1' }) },
    { log: (l) => lines.push(l), error: (l) => lines.push(`! ${l}`) },
  );
  return { code, lines };
}

beforeEach(() => {
  inspector.reset();
  inspector.on(ListCoverageCommand).resolves(covered('ACTIVE', 'SUCCESSFUL'));
  inspector.on(ListFindingsCommand).resolves({ findings: [] });
});

describe('the image findings gate of the release build', () => {
  it('GOV-4: a scanned image without an active high or critical finding passes, asked for exactly those', async () => {
    expect(await run()).toEqual({
      code: 0,
      lines: ['hello/service:abcdef123456: no active HIGH or CRITICAL finding'],
    });
    const equals = (value: string) => [{ comparison: 'EQUALS', value }];
    expect(inspector.commandCalls(ListCoverageCommand)[0]?.args[0].input.filterCriteria).toEqual({
      resourceType: equals('AWS_ECR_CONTAINER_IMAGE'),
      ecrRepositoryName: equals('hello/service'),
      ecrImageTags: equals('abcdef123456'),
    });
    expect(inspector.commandCalls(ListFindingsCommand)[0]?.args[0].input.filterCriteria).toEqual({
      resourceType: equals('AWS_ECR_CONTAINER_IMAGE'),
      ecrImageRepositoryName: equals('hello/service'),
      ecrImageTags: equals('abcdef123456'),
      findingStatus: equals('ACTIVE'),
      severity: [...equals('CRITICAL'), ...equals('HIGH')],
    });
  });

  it('GOV-4: fails the build on high and critical findings, listing each with its package, CVE and fix, over every page', async () => {
    inspector
      .on(ListFindingsCommand)
      .resolvesOnce({
        findings: [finding('CRITICAL', 'CVE-2026-0001', 'openssl', '3.0.99')],
        nextToken: 'page-2',
      })
      .resolvesOnce({ findings: [finding('HIGH', 'CVE-2026-0002', 'busybox')] });
    expect(await run()).toEqual({
      code: 1,
      lines: [
        'CRITICAL CVE-2026-0001 in openssl@1.0.0; fix available: YES (openssl 3.0.99)',
        'HIGH CVE-2026-0002 in busybox@1.0.0; fix available: NO',
        '! hello/service:abcdef123456: 2 active HIGH or CRITICAL finding(s): the release stops here',
      ],
    });
    expect(inspector.commandCalls(ListFindingsCommand)[1]?.args[0].input.nextToken).toBe('page-2');
  });

  it('GOV-4: waits while the image is not yet covered (on any page) or still being scanned, and reads findings only once the scan is done', async () => {
    inspector
      .on(ListCoverageCommand)
      .resolvesOnce({ coveredResources: [] })
      .resolvesOnce(covered('ACTIVE', 'PENDING_INITIAL_SCAN'))
      .resolvesOnce(covered('ACTIVE', 'SCAN_IN_PROGRESS'))
      // Then the image is on the second page of an answer whose first page is empty.
      .callsFake(({ nextToken }: { nextToken?: string }) =>
        nextToken === 'page-2'
          ? covered('ACTIVE', 'SUCCESSFUL')
          : { coveredResources: [], nextToken: 'page-2' },
      );
    inspector.on(ListFindingsCommand).callsFake(() => {
      expect(inspector.commandCalls(ListCoverageCommand)).toHaveLength(5);
      return { findings: [finding('HIGH', 'CVE-2026-0003', 'zlib', '1.3.1')] };
    });
    const { code, lines } = await run();
    expect(code).toBe(1);
    expect(lines[0]).toBe('HIGH CVE-2026-0003 in zlib@1.0.0; fix available: YES (zlib 1.3.1)');
  });

  it('GOV-4: an image scanned once on push counts as scanned', async () => {
    inspector.on(ListCoverageCommand).resolves(covered('INACTIVE', 'SCAN_FREQUENCY_SCAN_ON_PUSH'));
    expect((await run()).code).toBe(0);
  });

  it('GOV-4: an image Inspector cannot scan fails the build rather than passing unscanned', async () => {
    inspector.on(ListCoverageCommand).resolves(covered('INACTIVE', 'UNSUPPORTED_OS'));
    expect(await run()).toEqual({
      code: 1,
      lines: ['! hello/service:abcdef123456: Inspector cannot scan it: UNSUPPORTED_OS'],
    });
    expect(inspector.commandCalls(ListFindingsCommand)).toHaveLength(0);
  });

  it('GOV-4: a scan that does not finish in time fails the build, saying so, without reading findings', async () => {
    inspector.on(ListCoverageCommand).resolves(covered('ACTIVE', 'SCAN_IN_PROGRESS'));
    const { code, lines } = await run();
    expect(code).toBe(1);
    expect(lines).toEqual([
      '! hello/service:abcdef123456: Inspector has not finished scanning it after 0.2 s; is ECR enhanced scanning on in this region?',
    ]);
    expect(inspector.commandCalls(ListCoverageCommand).length).toBeGreaterThan(1);
    expect(inspector.commandCalls(ListFindingsCommand)).toHaveLength(0);
  });

  it('GOV-4: a role without the read fails the build, naming the actions it needs', async () => {
    inspector.on(ListFindingsCommand).rejects(
      Object.assign(new Error('User is not authorized to perform: inspector2:ListFindings'), {
        name: 'AccessDeniedException',
      }),
    );
    const { code, lines } = await run();
    expect(code).toBe(1);
    expect(lines).toEqual([
      '! hello/service:abcdef123456: not allowed to read Inspector (inspector2:ListCoverage and inspector2:ListFindings): User is not authorized to perform: inspector2:ListFindings',
    ]);
  });
});
