// The story body editor's additions: library pictures and embeds (stored as references; see
// articles/body_media.py), the browser's spell-check, and a word count under the editor.
import { Image, Node, updateAttrsDialog } from "django-prose-editor/editor"

const adminRoot = () => {
  const at = window.location.pathname.indexOf("/articles/article/")
  return at < 0 ? "/admin/" : window.location.pathname.slice(0, at + 1)
}
const mediaUrl = (what) => `${adminRoot()}articles/article/body-media/${what}`

async function fetchJson(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
  return response.json()
}

// A picture from the library: <img data-image="12" alt="...">. The editor shows the picture
// through the desk (body-media/image/12/), which answers only for pictures the person may see.
export const LibraryImage = Image.extend({
  addAttributes() {
    return {
      image: {
        default: null,
        parseHTML: (element) => element.getAttribute("data-image"),
        renderHTML: (attributes) => (attributes.image ? { "data-image": attributes.image } : {}),
      },
      alt: { default: null },
    }
  },
  parseHTML() {
    return [{ tag: "img[data-image]" }]
  },
  renderHTML({ HTMLAttributes }) {
    return ["img", HTMLAttributes]
  },
  addNodeView() {
    return ({ node }) => {
      const img = document.createElement("img")
      img.src = mediaUrl(`image/${encodeURIComponent(node.attrs.image)}/`)
      img.alt = node.attrs.alt || ""
      img.className = "body-picture"
      img.title = `Picture #${node.attrs.image}: ${node.attrs.alt || "no alt text"} (double-click to change the alt text)`
      return { dom: img }
    }
  },
  addMenuItems({ buttons, menu }) {
    menu.defineItem({
      name: "libraryImage",
      groups: "nodes",
      button: buttons.material("image", "Picture from the library"),
      active: (editor) => editor.isActive("image"),
      async command(editor) {
        const current = editor.isActive("image") ? editor.getAttributes("image") : null
        let chosen = current
        if (!current) {
          // Asked in the desk's own dialog (ask.js): no match is said there, and the person
          // tries other words, where alert() stopped them.
          const found = await window.newsroomAsk({
            title: "Insert a picture",
            label: "Find a picture in the library",
            name: "q",
            type: "search",
            description: "Words of its alt text, caption or credit; leave empty for the latest.",
            submitText: "Find",
            async check(q) {
              const answer = await fetchJson(mediaUrl(`images/?q=${encodeURIComponent(q)}`))
              if (!answer.images.length) {
                return {
                  error: q
                    ? `No picture you can use matches “${q}”. Try other words, or upload it to the library first.`
                    : "There is no picture you can use yet. Upload it to the library first.",
                }
              }
              return { value: answer }
            },
          })
          if (!found) return
          const labels = found.images.map((i) => i.label)
          const picked = await updateAttrsDialog(
            { picture: { title: "Picture", enum: labels } },
            { title: "Insert a picture", submitText: "Next" },
          )(editor, { picture: labels[0] })
          if (!picked) return
          const image = found.images[labels.indexOf(picked.picture)]
          chosen = { image: String(image.id), alt: image.alt }
        }
        const described = await updateAttrsDialog(
          {
            alt: {
              title: "Alt text",
              description: "What the picture shows, for readers who cannot see it (required).",
              required: true,
            },
          },
          { title: "Alt text", submitText: current ? "Update" : "Insert picture" },
        )(editor, { alt: chosen.alt || "" })
        if (!described || !described.alt.trim()) return
        const attrs = { image: chosen.image, alt: described.alt.trim() }
        if (current) editor.chain().focus().updateAttributes("image", attrs).run()
        else editor.chain().focus().insertContent({ type: "image", attrs }).run()
      },
    })
  },
})

// An embed from an allowed provider: <figure data-embed="youtube" data-embed-id="..."><a href>
export const Embed = Node.create({
  name: "embed",
  group: "block",
  atom: true,
  draggable: true,
  addAttributes() {
    return {
      provider: { default: null, parseHTML: (e) => e.getAttribute("data-embed") },
      item: { default: null, parseHTML: (e) => e.getAttribute("data-embed-id") },
      url: { default: null, parseHTML: (e) => e.querySelector("a")?.getAttribute("href") },
    }
  },
  parseHTML() {
    return [{ tag: "figure[data-embed]" }]
  },
  renderHTML({ node }) {
    return [
      "figure",
      { "data-embed": node.attrs.provider, "data-embed-id": node.attrs.item },
      ["a", { href: node.attrs.url }, node.attrs.url || ""],
    ]
  },
  addNodeView() {
    return ({ node }) => {
      const box = document.createElement("figure")
      box.className = "body-embed"
      box.textContent = `Embedded ${node.attrs.provider}: ${node.attrs.url}`
      return { dom: box }
    }
  },
  addMenuItems({ buttons, menu }) {
    menu.defineItem({
      name: "embed",
      groups: "nodes",
      button: buttons.material("smart_display", "Embed a video, audio or post"),
      async command(editor) {
        const found = await window.newsroomAsk({
          title: "Embed",
          label: "Address",
          name: "url",
          type: "url",
          description:
            "A YouTube, Vimeo or SoundCloud page, or a post on X. Readers get a link, and the player when they ask for it.",
          submitText: "Embed",
          async check(url) {
            if (!url) return { error: "Paste the address of the video, audio or post." }
            const answer = await fetchJson(mediaUrl(`embed/?url=${encodeURIComponent(url)}`))
            return answer.embed ? { value: answer } : { error: answer.error }
          },
        })
        if (!found) return
        editor.chain().focus().insertContent({ type: "embed", attrs: found.embed }).run()
      },
    })
  },
})

// Word count, under each body editor; the browser's spell-check is on (NoSpellCheck is off in
// the field's extensions, and the attribute is set here for browsers that need it said).
function words(text) {
  const found = text.match(/[\p{L}\p{N}]+(?:['’][\p{L}]+)*/gu)
  return found ? found.length : 0
}

document.addEventListener("prose-editor:ready", (event) => {
  const { editor, textarea } = event.detail
  editor.view.dom.setAttribute("spellcheck", "true")
  const counter = document.createElement("p")
  counter.className = "word-count"
  counter.setAttribute("aria-live", "polite")
  const update = () => {
    const count = words(editor.getText())
    const minutes = Math.max(1, Math.ceil(count / 230))
    counter.textContent = `${count} ${count === 1 ? "word" : "words"} · about ${minutes} min read`
  }
  update()
  editor.on("update", update)
  const wrapper = textarea.closest(".prose-editor") || textarea.parentElement
  wrapper.after(counter)
})
