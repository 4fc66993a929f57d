/**
 * Mocha global fixture and root hook (`require`d from a layer's .mocharc): the layer's own dockerd
 * for the Docker variants of its tests, started once before them and stopped, with everything in
 * it, after them. What the tests left behind fails the run from a root after-all hook (it removes
 * it too), which mocha counts as a failure; the teardown only stops the daemon and cannot exit 0
 * when that fails (fixtureGuard.ts says why).
 */
import { failOnTestDockerdLeftovers, startTestDockerd, stopTestDockerd } from './dockerd';
import { failRunOnThrow } from './fixtureGuard';

export const mochaGlobalSetup = startTestDockerd;
export const mochaHooks = {
  afterAll: async function nothingLeftInTheTestDockerd(this: Mocha.Context): Promise<void> {
    this.timeout(120_000);
    await failOnTestDockerdLeftovers();
  },
};
export const mochaGlobalTeardown = failRunOnThrow(stopTestDockerd);
