// One seeded PRNG for the simulator and the drills: the sim replays a seed with it.
export { Rng } from '../../src/drill/rng.js';
