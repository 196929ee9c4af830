import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/index.ts';

describe('ec2.deployment.fleetRelease', () => {
  it('CICD-5: unset releases the fleet in place; BlueGreen asks the pipeline for the blue/green step; anything else is refused by name', () => {
    expect(parseConfig({}, 'test').ec2.deployment.fleetRelease).toBeUndefined();
    expect(
      parseConfig({ ec2: { deployment: { fleetRelease: 'BlueGreen' } } }, 'test').ec2.deployment.fleetRelease,
    ).toBe('BlueGreen');
    expect(() => parseConfig({ ec2: { deployment: { fleetRelease: 'blue-green' } } }, 'test')).toThrow(
      /ec2\.deployment\.fleetRelease: expected InPlace or BlueGreen/,
    );
  });
});
