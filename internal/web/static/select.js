// "Select all" boxes. Each is hidden until this script runs, since the
// page works without it; it checks or clears every box of its form that
// bears the name it gives, and shows whether they all are checked.
for (const all of document.querySelectorAll('input[data-select-all]')) {
  const label = all.closest('label');
  (label || all).hidden = false;
  all.hidden = false;
  const boxes = () => Array.from(all.form.querySelectorAll('input[type=checkbox][name="' + all.dataset.selectAll + '"]'));
  const show = () => {
    const bs = boxes();
    all.checked = bs.length > 0 && bs.every(b => b.checked);
    all.indeterminate = !all.checked && bs.some(b => b.checked);
  };
  all.addEventListener('change', () => boxes().forEach(b => { b.checked = all.checked; }));
  all.form.addEventListener('change', e => { if (e.target !== all) show(); });
  show();
}
