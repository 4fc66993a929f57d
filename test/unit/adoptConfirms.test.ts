import * as assert from 'node:assert/strict';
import { app, makeAllocator } from './helpers';

describe('PortAllocator.adopt', () => {
  it('confirms an unconfirmed lease on the same port (a running container proves it), once', async () => {
    const { allocator } = makeAllocator();
    const web = app('web');
    const lease = await allocator.allocatePort(web);
    assert.equal((await allocator.lease(web.key))?.confirmed, false);
    assert.equal(await allocator.adopt(web, lease.port), true);
    const adopted = await allocator.lease(web.key);
    assert.equal(adopted?.confirmed, true);
    assert.equal(adopted?.port, lease.port);
    assert.equal(await allocator.adopt(web, lease.port), true);
    assert.equal((await allocator.lease(web.key))?.updatedAt, adopted?.updatedAt, 'no write when already confirmed');
  });
});
