import { h, page } from './html.js';

/** A page that says one thing (a failed sign-in, a refusal), with a link onward. */
export function messagePage(title: string, message: string, link?: { href: string; label: string }): string {
  const onward = link ? ` <a href="${h(link.href)}">${h(link.label)}</a>` : '';
  return page(title, `<h1>${h(title)}</h1><p>${h(message)}${onward}</p>`);
}
