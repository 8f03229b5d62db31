// The focal point on the image form (articles/focal.py): the point that crops to other shapes
// keep in frame. Click or tap the preview to mark it; with the preview focused, the arrow keys
// move it (Shift: further) and Home puts it back in the middle. The two number fields stay and
// are what the form sends: without this script, they are how the point is set. A marker shows
// the point, and the outlines show what the wide card, the social image and the square keep.
;(() => {
  const SHAPES = [
    ["wide", 16 / 9, "16:9 card"],
    ["social", 1.91, "1.91:1 social"],
    ["square", 1, "square"],
  ]
  const PLACES = 10000

  function start() {
    const img = document.querySelector("img.focal-preview")
    if (!img) return
    const across = document.getElementById("id_focal_x")
    const down = document.getElementById("id_focal_y")
    const editable = Boolean(across && down && !across.disabled && !down.disabled)

    const frame = document.createElement("div")
    frame.className = "focal-frame"
    img.parentNode.insertBefore(frame, img)
    frame.appendChild(img)
    const outlines = SHAPES.map(([name, , label]) => {
      const outline = document.createElement("span")
      outline.className = `focal-crop focal-crop--${name}`
      outline.dataset.label = label
      outline.setAttribute("aria-hidden", "true")
      frame.appendChild(outline)
      return outline
    })
    const marker = document.createElement("span")
    marker.className = "focal-marker"
    marker.setAttribute("aria-hidden", "true")
    frame.appendChild(marker)
    const status = document.createElement("p")
    status.className = "focal-status help"
    status.id = "focal-status"
    status.setAttribute("aria-live", "polite")
    frame.after(status)
    if (editable) {
      const hint = document.createElement("p")
      hint.className = "help"
      hint.id = "focal-hint"
      hint.textContent =
        "Click the picture at the point every crop must keep, or focus it and use the arrow keys " +
        "(Shift: further, Home: the middle). The dashed outlines show what each crop keeps."
      status.after(hint)
    }

    const read = (input, fallback) => {
      if (!input) return fallback
      const value = Number.parseFloat(input.value)
      return Number.isFinite(value) && value >= 0 && value <= 1 ? value : 0.5
    }
    const point = () => [
      read(across, Number(img.dataset.focalX || 0.5)),
      read(down, Number(img.dataset.focalY || 0.5)),
    ]
    const percent = (value) => `${Math.round(value * 100)}%`

    function show() {
      const [x, y] = point()
      marker.style.left = percent(x)
      marker.style.top = percent(y)
      const width = img.naturalWidth || img.width
      const height = img.naturalHeight || img.height
      SHAPES.forEach(([, ratio], index) => {
        // The same window as crop_box() in articles/focal.py, as fractions of the picture.
        let w = width
        let h = width / ratio
        if (width / height > ratio) {
          w = height * ratio
          h = height
        }
        const left = Math.min(Math.max(x * width - w / 2, 0), width - w)
        const top = Math.min(Math.max(y * height - h / 2, 0), height - h)
        const outline = outlines[index]
        outline.style.left = `${(100 * left) / width}%`
        outline.style.top = `${(100 * top) / height}%`
        outline.style.width = `${(100 * w) / width}%`
        outline.style.height = `${(100 * h) / height}%`
      })
      const marked = across && across.value !== "" ? "" : " (the middle: none marked)"
      status.textContent = `Focal point: ${percent(x)} across, ${percent(y)} down${editable ? marked : ""}.`
    }

    function set(x, y) {
      const clamp = (value) => Math.round(Math.min(Math.max(value, 0), 1) * PLACES) / PLACES
      across.value = String(clamp(x))
      down.value = String(clamp(y))
      for (const input of [across, down]) input.dispatchEvent(new Event("change", { bubbles: true }))
      show()
    }

    if (editable) {
      img.tabIndex = 0
      img.setAttribute("role", "application")
      img.setAttribute("aria-roledescription", "focal point picker")
      img.setAttribute("aria-label", `Focal point of the picture: ${img.alt}`)
      img.setAttribute("aria-describedby", `${status.id} focal-hint`)
      frame.classList.add("focal-frame--editable")
      img.addEventListener("click", (event) => {
        const box = img.getBoundingClientRect()
        set((event.clientX - box.left) / box.width, (event.clientY - box.top) / box.height)
      })
      img.addEventListener("keydown", (event) => {
        const step = event.shiftKey ? 0.1 : 0.01
        const [x, y] = point()
        const moves = {
          ArrowLeft: [x - step, y],
          ArrowRight: [x + step, y],
          ArrowUp: [x, y - step],
          ArrowDown: [x, y + step],
          Home: [0.5, 0.5],
        }
        if (!(event.key in moves)) return
        event.preventDefault()
        set(...moves[event.key])
      })
      for (const input of [across, down]) input.addEventListener("input", show)
    }
    if (img.complete) show()
    else img.addEventListener("load", show)
    show()
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start)
  else start()
})()
