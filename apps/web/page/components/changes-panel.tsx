import { useState } from 'preact/hooks';
import type { WorktreeView } from '../../src/api-types.js';
import { ApiError, getJson, postJson } from '../api.js';

interface Diff {
  readonly files: ReadonlyArray<{ readonly path: string; readonly insertions: number | null; readonly deletions: number | null }>;
  readonly patch: string;
  readonly truncated: boolean;
}

type MergeOutcome =
  | { readonly kind: 'merged'; readonly commit: string; readonly target: string }
  | { readonly kind: 'conflict'; readonly files: readonly string[]; readonly message: string }
  | { readonly kind: 'refused'; readonly message: string };

/** What a worktree task changed: its files, the diff on demand, and Merge. */
export function ChangesPanel(props: { readonly taskId: string; readonly worktree: WorktreeView; readonly finished: boolean }) {
  const { worktree } = props;
  const [diff, setDiff] = useState<Diff | null>(null);
  const [merge, setMerge] = useState<MergeOutcome | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // The task records counts only; the names come with the diff.
  const files = diff === null ? worktree.filesChanged : diff.files.map((file) => file.path);
  const unnamed = diff === null && (worktree.insertions ?? 0) + (worktree.deletions ?? 0) > 0;

  // One action at a time: the buttons wait while it runs, and its failure is shown in place.
  const act = async (work: () => Promise<void>): Promise<void> => {
    setBusy(true);
    try {
      await work();
      setError(null);
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  };
  const showDiff = (): Promise<void> => act(async () => setDiff(await getJson<Diff>(`/api/tasks/${props.taskId}/diff`)));
  const doMerge = (): Promise<void> => act(async () => setMerge(await postJson<MergeOutcome>(`/api/tasks/${props.taskId}/merge`)));

  return (
    <section class="card" data-testid="changes">
      <header class="card-header">
        <h2>Changes</h2>
        <span class="muted mono">{worktree.branch}</span>
        <span class="spacer" />
        {worktree.insertions === null ? null : <span class="diffstat-add">+{worktree.insertions}</span>}
        {worktree.deletions === null ? null : <span class="diffstat-del">−{worktree.deletions}</span>}
      </header>
      {files.length > 0 ? (
        <ul class="file-list">
          {files.map((file) => (
            <li key={file} class="mono">
              {file}
            </li>
          ))}
        </ul>
      ) : unnamed ? null : (
        <p class="muted">No files changed.</p>
      )}
      <div class="button-row">
        <button type="button" class="button" disabled={busy || !worktree.actionsAvailable} onClick={() => void showDiff()}>
          Show diff
        </button>
        <button
          type="button"
          class="button primary"
          disabled={busy || !worktree.actionsAvailable || !props.finished}
          onClick={() => void doMerge()}
        >
          Merge
        </button>
        {worktree.actionsAvailable ? null : <span class="muted">Diff and merge come with worktree support in the runtime.</span>}
      </div>
      {error === null ? null : <p class="notice error">{error}</p>}
      {merge === null ? null : merge.kind === 'merged' ? (
        <p class="notice success">
          Merged into {merge.target} as <span class="mono">{merge.commit.slice(0, 12)}</span>.
        </p>
      ) : (
        <div class="notice error">
          <p>{merge.message}</p>
          {merge.kind === 'conflict' ? (
            <ul class="file-list">
              {merge.files.map((file) => (
                <li key={file} class="mono">
                  {file}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      )}
      {diff === null ? null : (
        <pre class="diff">
          {diff.patch.split('\n').map((line, index) => (
            <div
              key={index}
              class={
                line.startsWith('+') && !line.startsWith('+++')
                  ? 'add'
                  : line.startsWith('-') && !line.startsWith('---')
                    ? 'del'
                    : line.startsWith('@@')
                      ? 'hunk'
                      : ''
              }
            >
              {line}
            </div>
          ))}
          {diff.truncated ? <div class="muted">⋯ the diff is longer than shown</div> : null}
        </pre>
      )}
    </section>
  );
}
