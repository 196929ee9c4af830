import { DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { awsRecoverClients, call } from '../../recover/clients.ts';

const ecr = mockClient(ECRClient);
afterEach(() => ecr.reset());

describe('the recovery account clients', () => {
  it('DR-3: describeImages reads every page of DescribeImages of the repository, in the region asked', async () => {
    const pushed = new Date(Date.UTC(2026, 11, 5));
    ecr
      .on(DescribeImagesCommand, { repositoryName: 'hello/service', nextToken: undefined })
      .resolves({ imageDetails: [{ imageTags: ['v1'], imagePushedAt: pushed }], nextToken: 'page-2' })
      .on(DescribeImagesCommand, { repositoryName: 'hello/service', nextToken: 'page-2' })
      .resolves({ imageDetails: [{ imageTags: ['v2'], imagePushedAt: pushed }] });
    const images = await awsRecoverClients({}).describeImages('us-east-2', 'hello/service');
    expect(images.map((i) => i.imageTags)).toEqual([['v1'], ['v2']]);
    const regions = await Promise.all(
      ecr.commandCalls(DescribeImagesCommand).map((c) => c.thisValue.config.region()),
    );
    expect(regions).toEqual(['us-east-2', 'us-east-2']);
  });

  it("DR-3: a refused DescribeImages reads like every other call: the action, the region and the recovery account's credentials", async () => {
    ecr.on(DescribeImagesCommand).rejects(
      Object.assign(new Error('User: arn:aws:sts::222222222222:assumed-role/x is not authorized'), {
        name: 'AccessDeniedException',
      }),
    );
    const clients = awsRecoverClients({});
    await expect(
      call('ecr:DescribeImages', 'us-east-2', () => clients.describeImages('us-east-2', 'hello/service')),
    ).rejects.toThrow(
      /^access denied: ecr:DescribeImages in us-east-2 was refused \(User: .* is not authorized\)\. The recovery account's credentials \(--recovery-profile\) need ecr:DescribeImages\.$/,
    );
  });
});
