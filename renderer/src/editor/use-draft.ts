// Reactive handles on parts of the draft by index, so form components edit the store's objects
// (never their props) and always see the current draft.
import { computed, type ComputedRef } from 'vue';
import type { Handler, Location, Site, Upstream } from '../../../server-core/config/schema.js';
import { useConfigDraftStore } from '../stores/config-draft.js';

export function useSite(siteIndex: () => number): ComputedRef<Site | undefined> {
  const drafts = useConfigDraftStore();
  return computed(() => drafts.draft?.sites[siteIndex()]);
}

export function useLocation(siteIndex: () => number, locIndex: () => number): ComputedRef<Location | undefined> {
  const drafts = useConfigDraftStore();
  return computed(() => drafts.draft?.sites[siteIndex()]?.locations[locIndex()]);
}

/** The location's handler when it has the given type. */
export function useHandler<T extends Handler['type']>(siteIndex: () => number, locIndex: () => number, type: T): ComputedRef<Extract<Handler, { type: T }> | undefined> {
  const loc = useLocation(siteIndex, locIndex);
  return computed(() => {
    const h = loc.value?.handler;
    return h && h.type === type ? (h as Extract<Handler, { type: T }>) : undefined;
  });
}

export function useUpstream(index: () => number): ComputedRef<Upstream | undefined> {
  const drafts = useConfigDraftStore();
  return computed(() => drafts.draft?.upstreams[index()]);
}
