// Sample events shaped as the services' documentation shows them, and the part of EventBridge's pattern
// matching the estate's rules use, so a rule's pattern is tested against the events it must (and must
// not) match without an AWS account.

/** An Amazon Inspector finding as EventBridge delivers it (Inspector user guide, EC2 package vulnerability example). */
export function inspectorFinding(
  overrides: {
    severity?: string;
    status?: string;
    account?: string;
    resourceType?: string;
    resourceId?: string;
  } = {},
) {
  const account = overrides.account ?? '111111111111';
  const resourceId = overrides.resourceId ?? 'i-0c2a343f1948d5205';
  return {
    version: '0',
    id: '66a7a279-5f92-971c-6d3e-c92da0950992',
    'detail-type': 'Inspector2 Finding',
    source: 'aws.inspector2',
    account,
    time: '2026-12-01T22:46:15Z',
    region: 'us-east-1',
    resources: [resourceId],
    detail: {
      awsAccountId: account,
      description:
        'A race condition in the sound subsystem of the Linux kernel lets a local attacker crash it.',
      findingArn: `arn:aws:inspector2:us-east-1:${account}:finding/be674aaddd0f75ac632055EXAMPLE`,
      firstObservedAt: 'Dec 1, 2026, 10:46:15 PM',
      inspectorScore: 7.0,
      lastObservedAt: 'Dec 1, 2026, 10:46:15 PM',
      packageVulnerabilityDetails: {
        source: 'UBUNTU_CVE',
        vulnerabilityId: 'CVE-2022-1048',
        vulnerablePackages: [
          { name: 'linux-image-aws', version: '5.15.0.1027.31', fixedInVersion: '5.15.0.1028.32' },
        ],
      },
      remediation: { recommendation: { text: 'None Provided' } },
      resources: [
        {
          details: {
            awsEc2Instance: {
              iamInstanceProfileArn: `arn:aws:iam::${account}:instance-profile/AmazonSSMRoleForInstancesQuickSetup`,
              imageId: 'ami-0b7ff1a8d64cdf20a',
              launchedAt: 'Nov 30, 2026, 8:00:00 PM',
              platform: 'AMAZON_LINUX_2023',
              type: 't4g.small',
            },
          },
          id: resourceId,
          partition: 'aws',
          region: 'us-east-1',
          type: overrides.resourceType ?? 'AWS_EC2_INSTANCE',
        },
      ],
      severity: overrides.severity ?? 'HIGH',
      status: overrides.status ?? 'ACTIVE',
      title: 'CVE-2022-1048 - linux-image-aws',
      type: 'PACKAGE_VULNERABILITY',
      updatedAt: 'Dec 1, 2026, 10:46:15 PM',
    },
  };
}

/**
 * A Config rule's compliance change as EventBridge delivers it (aws.config, "Config Rules Compliance
 * Change"); remediation passes `detail.resourceId` as RESOURCE_ID.
 */
export function complianceChange(resourceType: string, resourceId: string, account = '111111111111') {
  return {
    version: '0',
    id: '5a3c6c43-0f52-4ae4-9a4f-1a6b1f8d2e11',
    'detail-type': 'Config Rules Compliance Change',
    source: 'aws.config',
    account,
    time: '2026-12-01T10:02:31Z',
    region: 'us-east-1',
    resources: [],
    detail: {
      resourceId,
      awsRegion: 'us-east-1',
      awsAccountId: account,
      configRuleName: 'hello-required-tags',
      recordVersion: '1.0',
      configRuleARN: `arn:aws:config:us-east-1:${account}:config-rule/config-rule-ab12cd`,
      messageType: 'ComplianceChangeNotification',
      newEvaluationResult: {
        evaluationResultIdentifier: {
          evaluationResultQualifier: { configRuleName: 'hello-required-tags', resourceType, resourceId },
          orderingTimestamp: '2026-12-01T10:02:20.512Z',
        },
        complianceType: 'NON_COMPLIANT',
        resultRecordedTime: '2026-12-01T10:02:30.900Z',
        configRuleInvokedTime: '2026-12-01T10:02:30.612Z',
      },
      notificationCreationTime: '2026-12-01T10:02:31.100Z',
      resourceType,
    },
  };
}

/**
 * Whether an EventBridge event pattern matches an event, for the pattern syntax the estate uses: nested
 * objects, and arrays of exact strings or numbers, where an array in the event matches when any of its
 * elements does. Content filters (prefix, anything-but, numeric, exists, ...) throw, so a pattern this
 * does not understand fails its test instead of passing it.
 */
export function matchesPattern(pattern: unknown, event: unknown): boolean {
  if (Array.isArray(pattern)) {
    const candidates = Array.isArray(event) ? event : [event];
    return pattern.some((allowed) => {
      if (typeof allowed === 'object' && allowed !== null)
        throw new Error(`unsupported content filter ${JSON.stringify(allowed)}`);
      return candidates.some((value) => value === allowed);
    });
  }
  if (typeof pattern !== 'object' || pattern === null)
    throw new Error(`pattern leaf ${String(pattern)} is not an array`);
  return Object.entries(pattern).every(([key, sub]) => {
    const value =
      event === null || typeof event !== 'object' ? undefined : (event as Record<string, unknown>)[key];
    if (value === undefined) return false;
    // An array of objects in the event (detail.resources) matches when any element does.
    if (Array.isArray(value) && !Array.isArray(sub))
      return value.some((element) => matchesPattern(sub, element));
    return matchesPattern(sub, value);
  });
}
