import { describe, expect, it } from 'vitest';
import { estate, type SynthesizedStack } from './support/estate.ts';

const count = (stack: SynthesizedStack, type: string) =>
  Object.values(stack.json.Resources).filter((r) => r.Type === type).length;
const types = (stack: SynthesizedStack) =>
  [...new Set(Object.values(stack.json.Resources).map((r) => r.Type))].sort();

describe('the lab and production profiles', () => {
  it('have the same stacks with the same resource types: same architecture, other sizes', () => {
    const lab = estate('lab');
    const production = estate('production');
    expect(production.stacks.map((s) => s.name)).toEqual(lab.stacks.map((s) => s.name));
    for (const stack of lab.stacks) {
      expect(types(production.stack(stack.name)), stack.name).toEqual(types(stack));
    }
  });

  const foundations = () => estate('lab').stacks.filter((s) => s.name.includes('-Foundation-'));

  it('differ in NAT gateways: one per region in lab, one per AZ in production', () => {
    for (const stack of foundations()) {
      expect(count(stack, 'AWS::EC2::NatGateway'), stack.name).toBe(1);
      expect(count(estate('production').stack(stack.name), 'AWS::EC2::NatGateway'), stack.name).toBe(3);
    }
  });

  it('differ in interface endpoints: SSM only in one AZ in lab, six services in every AZ in production', () => {
    const interfaces = (stack: SynthesizedStack) =>
      Object.values(stack.json.Resources).filter(
        (r) => r.Type === 'AWS::EC2::VPCEndpoint' && r.Properties?.VpcEndpointType === 'Interface',
      );
    for (const stack of foundations()) {
      const lab = interfaces(stack);
      const production = interfaces(estate('production').stack(stack.name));
      expect(lab.map((e) => ((e.Properties?.SubnetIds ?? []) as unknown[]).length)).toEqual([1, 1, 1]);
      expect(production.map((e) => ((e.Properties?.SubnetIds ?? []) as unknown[]).length)).toEqual([
        3, 3, 3, 3, 3, 3,
      ]);
    }
  });

  it('differ in log retention: 30 days in lab, a year in production', () => {
    const retention = (stack: SynthesizedStack) =>
      Object.values(stack.json.Resources)
        .filter((r) => r.Type === 'AWS::Logs::LogGroup')
        .map((r) => r.Properties?.RetentionInDays);
    const home = 'Hello-Foundation-us-east-1';
    expect(retention(estate('lab').stack(home))).toEqual([30]);
    expect(retention(estate('production').stack(home))).toEqual([365]);
  });
});
