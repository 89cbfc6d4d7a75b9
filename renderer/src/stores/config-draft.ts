// The editor's working copy of the whole config, shared by the Sites and Upstreams pages: edit →
// live validation (POST /config/validate, debounced, nothing stored) → review the diff → apply
// (PUT /config: a new version) → roll back (restore an earlier version). A rejected apply leaves the
// running version as it was and its issues land at their fields, like the live ones.
import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import type { ConfigVersionSummary, ValidationIssue } from '../../../server-core/contract/api.js';
import type { BerthConfig } from '../../../server-core/config/schema.js';
import { applyConfig, restoreVersion, validateDraft } from '../api/config.js';
import { ApiError } from '../api/http.js';
import { useConfigStore } from './config.js';
import type { LoadProblem } from './stack.js';

/** Wait this long after the last keystroke before asking the server (keeps typing smooth). */
const VALIDATE_DEBOUNCE_MS = 300;

export function cloneConfig(c: BerthConfig): BerthConfig {
  return JSON.parse(JSON.stringify(c)) as BerthConfig;
}

function toProblem(err: unknown): LoadProblem {
  return err instanceof ApiError ? { kind: 'api', code: err.code, message: err.message } : { kind: 'network' };
}

export const useConfigDraftStore = defineStore('configDraft', () => {
  const config = useConfigStore();
  const draft = ref<BerthConfig | null>(null);
  /** The applied version the draft started from. */
  const baseVersion = ref<number | null>(null);
  const issues = shallowRef<ValidationIssue[]>([]);
  const validating = ref(false);
  /** A draft change waits out the debounce: the issues shown are not the draft's yet. */
  const pending = ref(false);
  const validateProblem = ref<LoadProblem | null>(null);
  const applying = ref(false);
  /** The last apply or restore the server refused: the running version did not change. */
  const applyFailure = ref<LoadProblem | null>(null);
  const lastApplied = ref<ConfigVersionSummary | null>(null);

  const appliedJson = computed(() => (config.applied ? JSON.stringify(config.applied.config) : ''));
  const draftJson = computed(() => (draft.value ? JSON.stringify(draft.value) : ''));
  const dirty = computed(() => draft.value !== null && draftJson.value !== appliedJson.value);
  /** Someone applied another version since this draft started. */
  const stale = computed(() => dirty.value && config.applied !== null && baseVersion.value !== config.applied.version);

  /** Starts a draft from the running config, or follows it while there are no edits. */
  async function ensureDraft(): Promise<void> {
    if (!config.applied) await config.loadConfig();
    if (config.applied && (!draft.value || !dirty.value)) reset();
  }

  function reset(): void {
    if (!config.applied) return;
    draft.value = cloneConfig(config.applied.config);
    baseVersion.value = config.applied.version;
    issues.value = [];
    applyFailure.value = null;
  }

  // The running config changed (another tab, a restore, the CLI): an unedited draft follows it.
  watch(
    () => config.applied?.version,
    () => {
      if (config.applied && draft.value && draftJson.value === JSON.stringify(config.applied.config)) baseVersion.value = config.applied.version;
      else if (config.applied && draft.value && baseVersion.value === null) reset();
    },
  );

  let timer: ReturnType<typeof setTimeout> | null = null;
  let inflight: AbortController | null = null;
  watch(draftJson, () => {
    if (!draft.value) return;
    if (timer) clearTimeout(timer);
    pending.value = true;
    timer = setTimeout(() => {
      timer = null;
      pending.value = false;
      void validate();
    }, VALIDATE_DEBOUNCE_MS);
  });

  async function validate(): Promise<boolean> {
    if (!draft.value) return false;
    inflight?.abort();
    const ctl = new AbortController();
    inflight = ctl;
    validating.value = true;
    try {
      const result = await validateDraft(draft.value, ctl.signal);
      if (ctl.signal.aborted) return false;
      issues.value = result.issues;
      validateProblem.value = null;
      return result.ok;
    } catch (err) {
      if (ctl.signal.aborted) return false;
      validateProblem.value = toProblem(err);
      return false;
    } finally {
      if (inflight === ctl) {
        inflight = null;
        validating.value = false;
      }
    }
  }

  async function afterChange(version: ConfigVersionSummary): Promise<void> {
    lastApplied.value = version;
    applyFailure.value = null;
    await config.loadConfig();
    reset();
    void config.loadVersions();
  }

  /**
   * The proxy refused a valid version (a port it cannot bind, say) and the server stored the previous
   * config again as a new version: follow it, keeping the edits so they can be fixed and applied.
   */
  async function followRefusal(err: unknown): Promise<void> {
    if (!(err instanceof ApiError) || err.code !== 'BERTH_ERR_APPLY_REFUSED') return;
    await config.loadConfig();
    if (config.applied) baseVersion.value = config.applied.version;
    void config.loadVersions();
  }

  /** PUT /config with the draft; true when a new version runs. */
  async function apply(note: string): Promise<boolean> {
    if (!draft.value) return false;
    // The server validates what it applies: a live validation about to start (or running) is not
    // waited for, and must not disable the button under a click (that click used to be lost).
    if (timer) {
      clearTimeout(timer);
      timer = null;
      pending.value = false;
    }
    applying.value = true;
    try {
      const { version } = await applyConfig(draft.value, note.trim());
      await afterChange(version);
      return true;
    } catch (err) {
      await followRefusal(err);
      applyFailure.value = toProblem(err);
      if (err instanceof ApiError && err.issues.length > 0) issues.value = err.issues;
      return false;
    } finally {
      applying.value = false;
    }
  }

  /**
   * A quick change to the RUNNING config (drain a server, mark it down), applied at once without
   * touching other unapplied edits: the same change is made to the draft too.
   */
  async function quickApply(change: (c: BerthConfig) => void, note: string): Promise<boolean> {
    if (!config.applied) return false;
    const next = cloneConfig(config.applied.config);
    change(next);
    const hadEdits = dirty.value;
    applying.value = true;
    try {
      const { version } = await applyConfig(next, note);
      lastApplied.value = version;
      applyFailure.value = null;
      await config.loadConfig();
      if (hadEdits && draft.value) {
        change(draft.value);
        baseVersion.value = version.version;
      } else reset();
      void config.loadVersions();
      return true;
    } catch (err) {
      await followRefusal(err);
      applyFailure.value = toProblem(err);
      if (err instanceof ApiError && err.issues.length > 0) issues.value = err.issues;
      return false;
    } finally {
      applying.value = false;
    }
  }

  /** Restores an earlier version as a new one; unapplied edits are dropped (the user confirmed). */
  async function restore(version: number): Promise<boolean> {
    applying.value = true;
    try {
      const res = await restoreVersion(version);
      await afterChange(res.version);
      return true;
    } catch (err) {
      await followRefusal(err);
      applyFailure.value = toProblem(err);
      return false;
    } finally {
      applying.value = false;
    }
  }

  return {
    draft,
    baseVersion,
    issues,
    validating,
    pending,
    validateProblem,
    applying,
    applyFailure,
    lastApplied,
    dirty,
    stale,
    ensureDraft,
    reset,
    validate,
    apply,
    quickApply,
    restore,
  };
});
