import { render } from 'preact';
import { describe, expect, it } from 'vitest';
import { ActionError, CheckBadge, Ctx, SettingField, StateBadge } from '../src/components';
import { FIELDS } from '../src/settingsSchema';

function mount(node: preact.ComponentChild) {
  const root = document.createElement('div');
  document.body.append(root);
  render(node, root);
  return root;
}

describe('validation display', () => {
  it('an invalid field is marked, described by the engine message, and labelled', () => {
    const root = mount(
      <SettingField spec={FIELDS.get('athoc.timeout_seconds')!} values={{ 'athoc.timeout_seconds': 'abc' }} errors={['"abc" is not a whole number; expected whole seconds 1–3600']} onChange={() => undefined} />,
    );
    const input = root.querySelector('input')!;
    expect(input.getAttribute('aria-invalid')).toBe('true');
    const described = input.getAttribute('aria-describedby')!.split(' ').map((id) => root.querySelector(`#${id}`)?.textContent);
    expect(described.join(' ')).toContain('"abc" is not a whole number; expected whole seconds 1–3600');
    expect(root.querySelector(`label[for="${input.id}"]`)?.textContent).toContain('Request timeout');
  });
  it('the .env name is shown beside the label, not in it (not part of the accessible name)', () => {
    const root = mount(<SettingField spec={FIELDS.get('athoc.timeout_seconds')!} values={{}} errors={undefined} onChange={() => undefined} />);
    const input = root.querySelector('input')!;
    const label = root.querySelector(`label[for="${input.id}"]`)!;
    expect(label.textContent).toBe('Request timeout (seconds)');
    expect(root.querySelector('.env-name')?.textContent).toContain(FIELDS.get('athoc.timeout_seconds')!.env);
    expect(label.contains(root.querySelector('.env-name'))).toBe(false);
  });
  it('a valid field is not marked; folders get a labelled picker button', () => {
    const root = mount(<SettingField spec={FIELDS.get('paths.drop_dir')!} values={{}} errors={undefined} onChange={() => undefined} />);
    expect(root.querySelector('input')!.hasAttribute('aria-invalid')).toBe(false);
    expect(root.querySelector('button')!.getAttribute('aria-label')).toBe('Choose: Drop folder (BOBO exports arrive here)');
  });
});

describe('states are never colour alone', () => {
  it.each(['ok', 'syncing', 'paused', 'attention', 'error'] as const)('state %s has an icon and a word', (tone) => {
    const t = mount(<StateBadge tone={tone} />).textContent ?? '';
    expect(t).toMatch(/^\S+ \w+/);
  });
  it.each([['pass', 'Pass'], ['warn', 'Warning'], ['fail', 'Fail']] as const)('check %s reads %s', (s, word) => {
    expect(mount(<CheckBadge status={s} />).textContent).toContain(word);
  });
});

describe('action errors', () => {
  it('auth_rejected offers the way to the credentials, by kind not message', () => {
    const went: string[] = [];
    const ctx = { info: null, zone: 'UTC', now: new Date(), navigate: (p: string) => void went.push(p) };
    const root = mount(
      <Ctx.Provider value={ctx}>
        <ActionError act={{ error: 'AtHoc said 401', kind: 'auth_rejected' }} />
      </Ctx.Provider>,
    );
    expect(root.textContent).toContain('AtHoc said 401');
    root.querySelector('button')!.click();
    expect(went).toEqual(['settings']);
  });
  it('not_configured opens the wizard; other kinds show the message alone', () => {
    let refreshed = 0;
    const ctx = { info: null, zone: 'UTC', now: new Date(), refreshInfo: () => void refreshed++ };
    const root = mount(
      <Ctx.Provider value={ctx}>
        <ActionError act={{ error: 'not configured', kind: 'not_configured' }} />
        <ActionError act={{ error: 'disk full', kind: 'internal' }} />
      </Ctx.Provider>,
    );
    const buttons = root.querySelectorAll('button');
    expect(buttons).toHaveLength(1);
    expect(buttons[0]!.textContent).toBe('Open the setup wizard');
    buttons[0]!.click();
    expect(refreshed).toBe(1);
  });
});
