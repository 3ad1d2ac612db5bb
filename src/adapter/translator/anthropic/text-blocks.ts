import type {
  AnthropicContentBlock,
  AnthropicDocumentBlock,
  AnthropicMediaSource,
  AnthropicSearchResultBlock,
  AnthropicToolReferenceBlock,
} from './types.js';

/**
 * Blocks a chat backend cannot take as they are, rendered as text it can: documents with text in
 * them, search results, tool references. What cannot be rendered (a PDF, a URL, a Files API id) is
 * named in a short placeholder, so the model knows something was there and was not passed on.
 */

function joinedText(blocks: unknown): string {
  if (typeof blocks === 'string') return blocks;
  if (!Array.isArray(blocks)) return '';
  const texts: string[] = [];
  for (const block of blocks as AnthropicContentBlock[]) if (block.type === 'text') texts.push(block.text);
  return texts.join('\n');
}

function describeSource(source: AnthropicMediaSource): string {
  switch (source.type) {
    case 'base64':
      return source.media_type;
    case 'url':
      return source.url;
    case 'file':
      return `file ${source.file_id}`;
    default:
      return source.type;
  }
}

/** `[document "Title" (application/pdf) not passed on: this backend takes text only]` */
export function placeholderText(kind: 'image' | 'document', source: AnthropicMediaSource, title?: string): string {
  const name = title ? ` ${JSON.stringify(title)}` : '';
  return `[${kind}${name} (${describeSource(source)}) not passed on: this backend cannot read it]`;
}

/** A document's text (a plain-text or content source), else a placeholder naming it. */
export function sourceText(block: AnthropicDocumentBlock): string {
  const source = block.source;
  let text: string | undefined;
  if (source.type === 'text') text = source.data;
  else if (source.type === 'content') text = joinedText(source.content);
  if (text === undefined) return placeholderText('document', source, block.title);
  return block.title ? `${block.title}\n${text}` : text;
}

export function searchResultText(block: AnthropicSearchResultBlock): string {
  return `${block.title ?? ''}\nSource: ${block.source}\n${joinedText(block.content)}`.trim();
}

export function toolReferenceText(block: AnthropicToolReferenceBlock): string {
  return `[tool ${block.tool_name} is now available]`;
}
