import { describe, expect, it } from 'vitest';
import { DEFAULT_PAGE_SIZE, parseTaskListParameters } from './task-list-parameters.js';

const NOW = 1_800_000_000_000;
const parse = (text: string) => parseTaskListParameters(new URLSearchParams(text), NOW);

describe('parseTaskListParameters', () => {
  it('turns the URL of a filtered, sorted view into a store query', () => {
    expect(parse('state=running,failed&label=a,b&agent=claude&since=24h&sort=priority&dir=asc&q=%20fix%20&cursor=100&limit=20')).toEqual({
      query: {
        statuses: ['running', 'failed'],
        agent: 'claude',
        labels: ['a', 'b'],
        createdAfter: NOW - 24 * 3_600_000,
        order: 'priority',
        reverse: true,
        cursor: 100,
        limit: 20,
        now: NOW,
      },
      search: 'fix',
    });
  });

  it('asks for the first page, newest first, when nothing is given', () => {
    expect(parse('')).toEqual({ query: { limit: DEFAULT_PAGE_SIZE, now: NOW }, search: '' });
  });

  it.each([
    ['state=done', /state "done" is not a task state: use queued, running/],
    ['agent=gpt', /agent "gpt" is not an agent/],
    ['sort=name', /sort "name" is not an order/],
    ['dir=up', /dir "up" is not asc or desc/],
    ['since=yesterday', /since "yesterday" is not a duration: use e\.g\. 30m/],
    ['cursor=-1', /cursor is not a page cursor/],
    ['limit=0', /limit takes a number of rows from 1 to 500/],
    ['limit=100000', /limit takes a number of rows/],
  ])('refuses %s, saying what it takes', (text, message) => {
    const parsed = parse(text);
    expect('error' in parsed ? parsed.error : '').toMatch(message);
  });
});
