import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, PROFILES, parseConfig } from '../../config/index.ts';
import { problems } from './problems.ts';

const delegated = (delegation: Record<string, unknown>, dns: Record<string, unknown> = {}) => ({
  dns: { domainName: 'hello.example.com', delegation, ...dns },
});

describe('the delegation subsection of the dns config', () => {
  it('DR-3: is off by default, and takes a parent zone by name, by id, and in the primary account (a recovered estate)', () => {
    expect(DEFAULT_CONFIG.dns.delegation).toBeUndefined();
    expect(parseConfig(delegated({ parentZoneName: 'example.com' })).dns.delegation).toEqual({
      parentZoneName: 'example.com',
    });
    expect(problems(delegated({ parentZoneName: 'example.com', parentZoneId: 'Z0123456789ABC' }))).toEqual(
      [],
    );
    expect(problems(delegated({ parentZoneName: 'example.com', parentAccount: '111111111111' }))).toEqual([]);
  });

  it('DR-3: both profiles delegate with a short NS TTL, within the runbook DNS step of 5 minutes', () => {
    for (const profile of Object.values(PROFILES))
      expect(profile.delegationTtlSeconds).toBeLessThanOrEqual(300);
  });

  it.each([
    [
      'a parent that is the domain itself',
      delegated({ parentZoneName: 'hello.example.com' }),
      'dns.delegation.parentZoneName: expected a parent of dns.domainName (hello.example.com), such as example.com',
    ],
    [
      'a parent that only ends like the domain (not a label boundary)',
      delegated({ parentZoneName: 'o.example.com' }, { domainName: 'hello.example.com' }),
      'dns.delegation.parentZoneName: expected a parent of dns.domainName (hello.example.com), such as example.com',
    ],
    [
      'an unrelated parent',
      delegated({ parentZoneName: 'example.org' }),
      'dns.delegation.parentZoneName: expected a parent of dns.domainName (hello.example.com), such as example.com',
    ],
    [
      'an existing zone of the domain (its name servers are not the estate’s to write)',
      delegated({ parentZoneName: 'example.com' }, { hostedZoneId: 'Z0123456789ABC' }),
      "dns.hostedZoneId: expected no hostedZoneId with dns.delegation: the estate delegates to the zone it creates (an existing zone's delegation stays yours to keep)",
    ],
    [
      'a parent in an account the estate does not deploy to',
      delegated({ parentZoneName: 'example.com', parentAccount: '333333333333' }),
      'dns.delegation.parentAccount: expected accounts.recovery (222222222222) or, in a recovered estate, accounts.primary (111111111111)',
    ],
    [
      'a parent zone id that is no zone id',
      delegated({ parentZoneName: 'example.com', parentZoneId: 'example.com' }),
      'dns.delegation.parentZoneId: expected a Route 53 hosted zone id',
    ],
  ])('DR-3: refuses %s with one problem naming the key', (_case, overrides, expected) => {
    expect(problems(overrides)).toEqual([expected]);
  });
});
