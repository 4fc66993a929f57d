/**
 * Mocha global fixture (`require`d from a layer's .mocharc): the layer's own dockerd for the Docker
 * variants of its tests, started once before them and stopped, with everything in it, after them.
 */
import { startTestDockerd, stopTestDockerd } from './dockerd';

export const mochaGlobalSetup = startTestDockerd;
export const mochaGlobalTeardown = stopTestDockerd;
