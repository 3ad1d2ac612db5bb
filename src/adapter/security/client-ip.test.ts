import { describe, expect, it } from 'vitest';
import { createClientIpResolver } from './client-ip.js';

const TRUSTED = ['127.0.0.0/8', '10.0.0.0/8', '::1/128'];

describe('createClientIpResolver', () => {
  const resolve = createClientIpResolver({ trustProxyHeaders: true, trustedProxyCidrs: TRUSTED });

  it('takes the left-most X-Forwarded-For hop from a trusted proxy', () => {
    expect(resolve('10.0.0.5', { 'x-forwarded-for': ' 203.0.113.9 , 10.0.0.7' })).toBe('203.0.113.9');
  });

  it('falls back to X-Real-IP, then to the peer', () => {
    expect(resolve('127.0.0.1', { 'x-real-ip': ' 198.51.100.2 ' })).toBe('198.51.100.2');
    expect(resolve('127.0.0.1', { 'x-forwarded-for': ' , 1.2.3.4', 'x-real-ip': '5.6.7.8' })).toBe('5.6.7.8');
    expect(resolve('127.0.0.1', {})).toBe('127.0.0.1');
  });

  it('ignores a spoofed X-Forwarded-For from an untrusted peer', () => {
    expect(resolve('203.0.113.9', { 'x-forwarded-for': '127.0.0.1', 'x-real-ip': '10.0.0.1' })).toBe('203.0.113.9');
  });

  it('recognises trusted IPv4 peers reported as IPv4-mapped IPv6, and answers in dotted form', () => {
    expect(resolve('::ffff:127.0.0.1', { 'x-forwarded-for': '203.0.113.9' })).toBe('203.0.113.9');
    expect(resolve('::ffff:198.51.100.1', { 'x-forwarded-for': '203.0.113.9' })).toBe('198.51.100.1');
  });

  it('trusts IPv6 proxies inside an IPv6 range', () => {
    expect(resolve('::1', { 'x-forwarded-for': '2001:db8::5' })).toBe('2001:db8::5');
  });

  it('never reads proxy headers unless trust_proxy_headers is on', () => {
    const untrusting = createClientIpResolver({ trustProxyHeaders: false, trustedProxyCidrs: TRUSTED });
    expect(untrusting('127.0.0.1', { 'x-forwarded-for': '203.0.113.9' })).toBe('127.0.0.1');
  });

  it('trusts no peer when the trusted list is empty', () => {
    const noProxies = createClientIpResolver({ trustProxyHeaders: true, trustedProxyCidrs: [] });
    expect(noProxies('127.0.0.1', { 'x-forwarded-for': '203.0.113.9' })).toBe('127.0.0.1');
  });
});
