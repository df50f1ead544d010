/** Test page entry: installs the fake backend, then starts the real UI.
 * `?scenario=fresh` starts with nothing configured. */
import { installMockBackend, type Scenario } from './mock-backend';

const scenario = (new URLSearchParams(location.search).get('scenario') ?? 'configured') as Scenario;
(window as unknown as { __mock: unknown }).__mock = installMockBackend(scenario);
await import('../src/main');
