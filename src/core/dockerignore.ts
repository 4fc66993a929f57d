import * as path from 'node:path';

/**
 * `.dockerignore` / `.containerignore` rules, matched as the engines match them (moby's
 * patternmatcher, which podman's buildah uses too): one pattern per line, `#` comments, `!`
 * exceptions, `*` and `?` within a path segment, `**` across segments, `[…]` classes, `\`
 * escapes; a pattern that matches a folder excludes everything below it; the last matching
 * pattern decides.
 */
export interface IgnoreRules {
  /** `relative` is slash-separated, relative to the context (no leading `./`). */
  excludes(relative: string): boolean;
  /** Whether any `!` exception exists: only then can something below an excluded folder come back. */
  readonly hasExceptions: boolean;
}

interface Pattern {
  readonly regex: RegExp;
  readonly exception: boolean;
}

export function parseIgnoreFile(text: string): IgnoreRules {
  const patterns: Pattern[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (line === '' || line.startsWith('#')) {
      continue;
    }
    const exception = line.startsWith('!');
    if (exception) {
      line = line.slice(1).trim();
    }
    line = path.posix.normalize(line).replace(/\/+$/, '');
    if (line.length > 1 && line.startsWith('/')) {
      line = line.slice(1);
    }
    if (line === '' || line === '.') {
      continue;
    }
    const regex = compile(line);
    if (regex) {
      patterns.push({ regex, exception });
    }
  }
  return {
    hasExceptions: patterns.some((p) => p.exception),
    excludes(relative: string): boolean {
      const parts = relative.split('/');
      let excluded = false;
      for (const pattern of patterns) {
        let match = pattern.regex.test(relative);
        // A pattern naming a folder excludes what lies below it.
        for (let i = 1; !match && i < parts.length; i++) {
          match = pattern.regex.test(parts.slice(0, i).join('/'));
        }
        if (match) {
          excluded = !pattern.exception;
        }
      }
      return excluded;
    },
  };
}

/** A pattern → an anchored regular expression (undefined for a malformed one, which never matches). */
function compile(pattern: string): RegExp | undefined {
  let source = '^';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] ?? '';
    if (char === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        if (pattern[i + 1] === '/') {
          i++;
        }
        source += i + 1 >= pattern.length ? '.*' : '(?:.*/)?';
      } else {
        source += '[^/]*';
      }
    } else if (char === '?') {
      source += '[^/]';
    } else if (char === '\\') {
      i++;
      source += escape(pattern[i] ?? '\\');
    } else if (char === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end === -1) {
        return undefined;
      }
      // Passed through as the engines do (Go regexp classes: `^` negates, `!` is a plain character).
      source += `[${pattern.slice(i + 1, end).replace(/\\/g, '\\\\')}]`;
      i = end;
    } else {
      source += escape(char);
    }
  }
  try {
    return new RegExp(`${source}$`);
  } catch {
    return undefined;
  }
}

function escape(char: string): string {
  return char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
