// A small dialog that asks for one thing, in place of the browser's prompt() and alert(): a
// labelled field with its description, and an error region that says what is wrong while the
// dialog stays open for another try (role="alert": screen readers hear it, and the field is
// marked invalid and described by it). Escape or Cancel closes it with nothing; focus goes back
// where it was. Used by the body editor's picture search and embeds (editor-media.js) and the
// answers' Link button (exchanges.js). A file, since the admin's CSP runs nothing inline.
;(() => {
  "use strict"
  let asked = 0

  // ask({title, label, name, description, value, submitText, type, check}) resolves to what
  // check(typed) gave as {value}, or null if the person cancelled; check may answer {error}.
  window.newsroomAsk = function ask({
    title,
    label,
    name = "value",
    description = "",
    value = "",
    submitText = "OK",
    type = "text",
    check = async (typed) => ({ value: typed }),
  }) {
    return new Promise((resolve) => {
      const id = `newsroom-ask-${++asked}`
      const opener = document.activeElement
      const dialog = document.createElement("dialog")
      dialog.className = "ask-dialog"
      dialog.setAttribute("aria-labelledby", `${id}-title`)
      const form = document.createElement("form")
      form.method = "dialog"
      form.noValidate = true // the error region says what is wrong, in our words
      const heading = document.createElement("h2")
      heading.id = `${id}-title`
      heading.textContent = title
      const fieldLabel = document.createElement("label")
      fieldLabel.htmlFor = `${id}-field`
      fieldLabel.textContent = label
      const input = document.createElement("input")
      input.id = `${id}-field`
      input.name = name
      input.type = type
      input.value = value
      input.autocomplete = "off"
      const help = document.createElement("p")
      help.className = "help"
      help.id = `${id}-help`
      help.textContent = description
      const error = document.createElement("p")
      error.className = "ask-dialog__error"
      error.id = `${id}-error`
      error.setAttribute("role", "alert")
      input.setAttribute("aria-describedby", description ? `${id}-help ${id}-error` : error.id)
      const buttons = document.createElement("p")
      buttons.className = "ask-dialog__buttons"
      const submit = document.createElement("button")
      submit.type = "submit"
      submit.className = "button default"
      submit.textContent = submitText
      const cancel = document.createElement("button")
      cancel.type = "button"
      cancel.className = "button"
      cancel.textContent = "Cancel"
      buttons.append(submit, cancel)
      form.append(heading, fieldLabel, input)
      if (description) form.append(help)
      form.append(error, buttons)
      dialog.append(form)

      let result = null
      form.addEventListener("submit", async (event) => {
        event.preventDefault()
        submit.disabled = true
        let answer
        try {
          answer = await check(input.value.trim())
        } catch {
          answer = { error: "That could not be checked just now: try again." }
        }
        submit.disabled = false
        if (answer && answer.error) {
          error.textContent = answer.error
          input.setAttribute("aria-invalid", "true")
          input.focus()
          return
        }
        result = answer ? answer.value : null
        dialog.close()
      })
      input.addEventListener("input", () => {
        if (!error.textContent) return
        error.textContent = ""
        input.removeAttribute("aria-invalid")
      })
      cancel.addEventListener("click", () => dialog.close())
      dialog.addEventListener("close", () => {
        dialog.remove()
        if (opener && typeof opener.focus === "function") opener.focus()
        resolve(result)
      })
      document.body.append(dialog)
      dialog.showModal()
      input.focus()
      input.select()
    })
  }
})()
