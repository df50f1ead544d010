/** Field-mapping checks page: the same checks as `bobosync check`, each
 * pass / warn / fail with what to do. */
import { useEffect, useState } from 'preact/hooks';
import * as api from '../api';
import type { CheckDto } from '../api';
import { ActionError, CheckBadge, useAction } from '../components';

export function ChecksPage() {
  const [checks, setChecks] = useState<CheckDto[] | null>(null);
  const act = useAction();
  const run = () => void act.run(async () => setChecks(await api.runChecks()));
  useEffect(run, []);
  const count = (s: CheckDto['status']) => checks?.filter((c) => c.status === s).length ?? 0;
  return (
    <div class="checks-page">
      <div class="actions">
        <button type="button" class="primary" onClick={run} disabled={act.busy}>
          Run the checks again
        </button>
      </div>
      <div aria-live="polite">
        {act.busy && <p class="busy">Checking…</p>}
        <ActionError act={act} />
        {checks && (
          <p class="summary">
            {count('pass')} passed, {count('warn')} with warnings, {count('fail')} failed.
          </p>
        )}
      </div>
      {checks && (
        <ul class="checks">
          {checks.map((c) => (
            <li class={`check check-${c.status}`} data-check={c.id}>
              <h3>
                <CheckBadge status={c.status} /> {c.title}
              </h3>
              <p>{c.detail}</p>
              {c.action && (
                <p class="todo">
                  <strong>What to do:</strong> {c.action}
                </p>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
