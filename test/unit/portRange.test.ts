import * as assert from 'node:assert/strict';
import { SettingsError } from '../../src/core/errors';
import { inRange, parsePortRange } from '../../src/core/portRange';

describe('parsePortRange', () => {
  it('defaults to 32100–32200, 101 ports', () => {
    assert.deepEqual(parsePortRange(undefined, undefined), { start: 32100, end: 32200, size: 101 });
  });

  it('accepts a single-port range', () => {
    assert.equal(parsePortRange(40000, 40000).size, 1);
  });

  const invalid: [string, unknown, unknown, RegExp, string][] = [
    ['start > end', 32200, 32100, /greater than previewContainers\.portRange\.end/, 'previewContainers.portRange.start'],
    ['start below 1024', 80, 32100, /outside 1024–65535/, 'previewContainers.portRange.start'],
    ['end above 65535', 32100, 70000, /outside 1024–65535/, 'previewContainers.portRange.end'],
    ['a fractional start', 32100.5, 32200, /whole number/, 'previewContainers.portRange.start'],
    ['a string end', 32100, '32200', /whole number, got "32200"/, 'previewContainers.portRange.end'],
    ['NaN', Number.NaN, 32200, /whole number/, 'previewContainers.portRange.start'],
  ];
  for (const [what, start, end, message, setting] of invalid) {
    it(`rejects ${what}, naming the setting`, () => {
      assert.throws(
        () => parsePortRange(start, end),
        (error: unknown) => {
          assert.ok(error instanceof SettingsError);
          assert.equal(error.setting, setting);
          assert.match(error.message, new RegExp(`Setting "${setting.replace(/\./g, '\\.')}" is invalid`));
          assert.match(error.message, message);
          return true;
        },
      );
    });
  }

  it('inRange is inclusive and rejects non-integers', () => {
    const range = parsePortRange(1024, 1030);
    assert.ok(inRange(range, 1024));
    assert.ok(inRange(range, 1030));
    assert.ok(!inRange(range, 1031));
    assert.ok(!inRange(range, 1025.5));
  });
});
