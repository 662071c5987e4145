import { describe, expect, it } from 'vitest';
import { render, TemplateError } from './template.js';

describe('render', () => {
  const scope = { server: { ip: '10.0.0.10' }, vars: { user: '+61410000001', n: 3 } };
  it('fills paths and escapes for regular expressions on request', () => {
    expect(render('{{ server.ip }}:{{vars.n}}', scope)).toBe('10.0.0.10:3');
    expect(render('{{ vars.user | re }} login', scope)).toBe('\\+61410000001 login');
    expect(new RegExp(render('^{{ vars.user | re }}$', scope)).test('+61410000001')).toBe(true);
  });
  it('refuses unknown names instead of leaving them empty', () => {
    expect(() => render('{{ server.port }}', scope)).toThrow(TemplateError);
    expect(() => render('{{ server }}', scope)).toThrow(/not defined/);
  });
});
