// The Sites editor's selection and the list operations on the draft (add, duplicate, remove a
// site; add, move, remove a location). Field edits go straight into the draft through v-model.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { freeId, newLocation, newSite } from '../editor/defaults.js';
import { cloneConfig, useConfigDraftStore } from './config-draft.js';

export const useSitesStore = defineStore('sites', () => {
  /** Index of the site open in the editor, or null for the list only. */
  const selected = ref<number | null>(null);

  function takenIds(): Set<string> {
    return new Set(useConfigDraftStore().draft?.sites.map((s) => s.id) ?? []);
  }

  function addSite(): void {
    const draft = useConfigDraftStore().draft;
    if (!draft) return;
    draft.sites.push(newSite(freeId('site', takenIds())));
    selected.value = draft.sites.length - 1;
  }

  function duplicateSite(index: number): void {
    const draft = useConfigDraftStore().draft;
    const site = draft?.sites[index];
    if (!draft || !site) return;
    const copy = cloneConfig({ ...draft, sites: [site] }).sites[0];
    if (!copy) return;
    copy.id = freeId(`${site.id}-copy`, takenIds());
    draft.sites.splice(index + 1, 0, copy);
    selected.value = index + 1;
  }

  function removeSite(index: number): void {
    const draft = useConfigDraftStore().draft;
    if (!draft) return;
    draft.sites.splice(index, 1);
    selected.value = draft.sites.length === 0 ? null : Math.min(index, draft.sites.length - 1);
  }

  function addLocation(siteIndex: number): void {
    const site = useConfigDraftStore().draft?.sites[siteIndex];
    if (!site) return;
    const taken = new Set(site.locations.map((l) => l.match.path));
    site.locations.push(newLocation(taken.has('/') ? freeId('/path', taken) : '/'));
  }

  function moveLocation(siteIndex: number, from: number, to: number): void {
    const locs = useConfigDraftStore().draft?.sites[siteIndex]?.locations;
    if (!locs || to < 0 || to >= locs.length) return;
    const [loc] = locs.splice(from, 1);
    if (loc) locs.splice(to, 0, loc);
  }

  function removeLocation(siteIndex: number, index: number): void {
    useConfigDraftStore().draft?.sites[siteIndex]?.locations.splice(index, 1);
  }

  return { selected, addSite, duplicateSite, removeSite, addLocation, moveLocation, removeLocation };
});
