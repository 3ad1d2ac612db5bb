import { BlockList } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.js';
import { CidrMatcher, unmapIPv4 } from './cidr.js';

const PRIVATE = CidrMatcher.compile(['127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']);

describe('CidrMatcher', () => {
  it.each([
    ['127.0.0.1', true],
    ['10.255.1.2', true],
    ['172.31.255.255', true],
    ['172.32.0.1', false],
    ['192.168.10.4', true],
    ['8.8.8.8', false],
    ['::ffff:127.0.0.1', true],
    ['::FFFF:10.0.0.9', true],
    ['::ffff:8.8.8.8', false],
    ['::1', false],
    ['not-an-ip', false],
    ['', false],
    ['010.0.0.1', false],
    ['10.0.0.256', false],
    ['10.0.0', false],
  ])('matches %j against private IPv4 ranges: %s', (ip, expected) => {
    expect(PRIVATE.contains(ip)).toBe(expected);
  });

  it('matches IPv6 ranges, compressed or written out, with zone ids ignored', () => {
    const v6 = CidrMatcher.compile(['::1/128', 'fd00::/8', '2001:db8:abcd::/48']);
    expect(v6.contains('::1')).toBe(true);
    expect(v6.contains('0:0:0:0:0:0:0:1')).toBe(true);
    expect(v6.contains('::2')).toBe(false);
    expect(v6.contains('fd12:3456::7')).toBe(true);
    expect(v6.contains('fe80::1%eth0')).toBe(false);
    expect(v6.contains('2001:db8:abcd:12::1')).toBe(true);
    expect(v6.contains('2001:db8:abce::1')).toBe(false);
    expect(v6.contains('127.0.0.1')).toBe(false);
    expect(v6.contains('1:2:3:4:5:6:7:8:9')).toBe(false);
    expect(v6.contains('1:::2')).toBe(false);
  });

  it('matches everything under a zero-length prefix of its family', () => {
    const all = CidrMatcher.compile(['0.0.0.0/0']);
    expect(all.contains('203.0.113.9')).toBe(true);
    expect(all.contains('2001:db8::1')).toBe(false);
    expect(CidrMatcher.compile(['::/0']).contains('2001:db8::1')).toBe(true);
  });

  it("agrees with Node's BlockList for any IPv4 or IPv6 address and prefix", () => {
    const v4 = fc.ipV4();
    const v6 = fc.ipV6().filter((ip) => !ip.includes('.'));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.tuple(fc.constant('ipv4' as const), v4, fc.integer({ min: 0, max: 32 }), v4),
          fc.tuple(fc.constant('ipv6' as const), v6, fc.integer({ min: 0, max: 128 }), v6),
        ),
        ([family, network, bits, probe]) => {
          const reference = new BlockList();
          reference.addSubnet(network, bits, family);
          const matcher = CidrMatcher.compile([`${network}/${bits}`]);
          expect(matcher.contains(probe)).toBe(reference.check(probe, family));
          expect(matcher.contains(network)).toBe(true);
        },
      ),
    );
  });

  it('masks host bits written into the network address', () => {
    expect(CidrMatcher.compile(['10.1.2.3/8']).contains('10.200.0.1')).toBe(true);
  });

  it('reports every malformed entry as a config error and skips blanks', () => {
    expect(CidrMatcher.compile(['  ', '']).isEmpty).toBe(true);
    try {
      CidrMatcher.compile(['10.0.0.0/33', 'nonsense', '::1/129', '192.168.0.0/16', '10.0.0.1']);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).issues).toHaveLength(4);
    }
  });
});

describe('unmapIPv4', () => {
  it('turns IPv4-mapped IPv6 into dotted form and leaves other addresses alone', () => {
    expect(unmapIPv4('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(unmapIPv4('::1')).toBe('::1');
    expect(unmapIPv4('10.0.0.1')).toBe('10.0.0.1');
    expect(unmapIPv4('::ffff:1.2.3')).toBe('::ffff:1.2.3');
  });
});
