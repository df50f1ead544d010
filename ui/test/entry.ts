/** Test page entry: installs the fake backend, then starts the real UI.
 * `?scenario=fresh` starts with nothing configured. */
import { emitCloseBlocked, emitEngineEvent, installMockBackend, type Scenario } from './mock-backend';

const scenario = (new URLSearchParams(location.search).get('scenario') ?? 'configured') as Scenario;
const params = new URLSearchParams(location.search);
// Each test page starts without the activity an earlier page kept, unless it
// asks to see it kept (`?keepActivity`).
if (!params.has('keepActivity')) localStorage.removeItem('bobosync.activity.v1');
(window as unknown as { __mock: unknown }).__mock = installMockBackend(scenario);
(window as unknown as { __emit: unknown }).__emit = emitEngineEvent;
(window as unknown as { __closeBlocked: unknown }).__closeBlocked = emitCloseBlocked;
await import('../src/main');
