import { render } from 'preact';
import { describe, expect, it } from 'vitest';
import { CheckBadge, HealthBadge, SettingField } from '../src/components';
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
  it('a valid field is not marked; folders get a labelled picker button', () => {
    const root = mount(<SettingField spec={FIELDS.get('paths.drop_dir')!} values={{}} errors={undefined} onChange={() => undefined} />);
    expect(root.querySelector('input')!.hasAttribute('aria-invalid')).toBe(false);
    expect(root.querySelector('button')!.getAttribute('aria-label')).toBe('Choose: Drop folder (BOBO exports arrive here)');
  });
});

describe('states are never colour alone', () => {
  it.each(['ok', 'syncing', 'paused', 'warning', 'error'] as const)('health %s has an icon and a word', (h) => {
    const t = mount(<HealthBadge health={h} />).textContent ?? '';
    expect(t).toMatch(/^\S+ \w+$/);
  });
  it.each([['pass', 'Pass'], ['warn', 'Warning'], ['fail', 'Fail']] as const)('check %s reads %s', (s, word) => {
    expect(mount(<CheckBadge status={s} />).textContent).toContain(word);
  });
});
