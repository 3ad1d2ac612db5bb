import { describe, expect, it } from 'vitest';
import { originForm, pathOf, targetAfterBase } from './proxy-target.js';

describe('pathOf', () => {
  it('drops the query string', () => {
    expect(pathOf('/olla/models?format=openai')).toBe('/olla/models');
    expect(pathOf('/internal/health')).toBe('/internal/health');
  });
});

describe('originForm', () => {
  it.each([
    ['/olla/proxy/v1/models?x=1', '/olla/proxy/v1/models?x=1'],
    ['http://olla.example:40114/olla/proxy/echo?q=1', '/olla/proxy/echo?q=1'],
    ['https://olla.example', '/'],
    ['*', '/'],
  ])('reads %j as %j', (url, expected) => {
    expect(originForm(url)).toBe(expected);
  });
});

describe('targetAfterBase', () => {
  it.each([
    ['/olla/proxy/v1/chat/completions', '/v1/chat/completions'],
    ['/olla/proxy/api/tags?verbose=1', '/api/tags?verbose=1'],
    ['/olla/%70roxy/echo', '/echo'],
    ['/%6flla/lm-studio/v1/models', '/v1/models'],
    ['/olla/proxy/', '/'],
    ['/olla/proxy', '/'],
    ['/olla/proxy?x=/y', '/?x=/y'],
    ['/olla/proxy//echo', '//echo'],
    ['/olla/proxy/a%2Fb?c=d', '/a%2Fb?c=d'],
  ])('keeps what follows /olla/<prefix>/ in %j: %j', (url, expected) => {
    expect(targetAfterBase(url, '/olla/proxy/')).toBe(expected);
  });

  it('counts the segments of a longer base', () => {
    expect(targetAfterBase('/olla/dmr/%65ngines/v1/models', '/olla/dmr/engines/')).toBe('/v1/models');
  });
});
