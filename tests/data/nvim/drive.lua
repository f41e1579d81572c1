-- Drives typelens's language server through Neovim's own LSP client (vim.lsp),
-- headless: `nvim --headless --clean -l drive.lua PYTHON FILE OUT`.
-- Writes what Neovim saw to OUT as JSON; tests/test_editor_nvim.py checks it.
local python, file, out = arg[1], arg[2], arg[3]
local report = { steps = {} }

local function finish(ok, err)
  report.ok = ok
  report.error = err
  local handle = assert(io.open(out, 'w'))
  handle:write(vim.json.encode(report))
  handle:close()
end

local function cursor_at(needle, extra)
  -- 1-based row, 0-based byte column of the first `needle` in the buffer
  for row, line in ipairs(vim.api.nvim_buf_get_lines(0, 0, -1, false)) do
    local col = line:find(needle, 1, true)
    if col then
      vim.api.nvim_win_set_cursor(0, { row, col - 1 + (extra or 0) })
      return row, col - 1 + (extra or 0)
    end
  end
  error('not in the buffer: ' .. needle)
end

local function run()
  -- the configuration the documentation gives (Neovim 0.11's vim.lsp.config), the
  -- server started by `python -m typelens.cli` instead of the `typelens` script;
  -- the file is in no project (no marker above it): single-file mode
  vim.lsp.config('typelens', {
    cmd = { python, '-m', 'typelens.cli', 'lsp' },
    filetypes = { 'python' },
    root_markers = { 'pyproject.toml', 'setup.py', 'setup.cfg', '.git' },
    init_options = { typelens = { minConfidence = 0.8 } },
  })
  vim.lsp.enable('typelens')
  vim.cmd.edit(file)
  local bufnr = vim.api.nvim_get_current_buf()
  local client
  assert(vim.wait(60000, function()
    client = vim.lsp.get_clients({ bufnr = bufnr, name = 'typelens' })[1]
    return client ~= nil and client.initialized
  end, 50), 'the client never attached (filetype ' .. vim.bo[bufnr].filetype .. ')')
  report.encoding = client.offset_encoding
  report.root_dir = client.root_dir or vim.NIL

  local function request(method, params)
    local answer, err = client:request_sync(method, params, 60000, bufnr)
    assert(answer, 'no answer to ' .. method .. ': ' .. tostring(err))
    return answer.result, answer.err
  end

  -- hover on the def of a function: its kind and full signature
  cursor_at('def twice', 4)
  local hover = request('textDocument/hover', vim.lsp.util.make_position_params(0, client.offset_encoding))
  report.hover = hover and hover.contents.value

  -- inlay hints, fetched by Neovim's own inlay hint machinery
  vim.lsp.inlay_hint.enable(true, { bufnr = bufnr })
  assert(vim.wait(60000, function() return #vim.lsp.inlay_hint.get({ bufnr = bufnr }) > 0 end, 50), 'no inlay hints')
  report.hints = {}
  for _, item in ipairs(vim.lsp.inlay_hint.get({ bufnr = bufnr })) do
    local hint = item.inlay_hint
    local line = vim.api.nvim_buf_get_lines(bufnr, hint.position.line, hint.position.line + 1, false)[1]
    local col = vim.lsp.util._get_line_byte_from_position(bufnr, hint.position, client.offset_encoding)
    local label = type(hint.label) == 'string' and hint.label or hint.label[1].value
    table.insert(report.hints, { label = label, before = line:sub(1, col) })
  end

  -- "Annotate all in file", applied by Neovim to the buffer
  local params = vim.lsp.util.make_range_params(0, client.offset_encoding)
  params.context = { diagnostics = {} }
  local actions = request('textDocument/codeAction', params)
  for _, action in ipairs(actions or {}) do
    if action.title == 'Annotate all in file' then
      vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding)
      report.annotated = true
    end
  end
  vim.cmd.write()
  -- the server saw the change (didChange from Neovim) and re-parsed it
  cursor_at('k: int', 0)
  vim.wait(300)
  hover = request('textDocument/hover', vim.lsp.util.make_position_params(0, client.offset_encoding))
  report.hover_after = hover and hover.contents.value

  -- completion after `os.path.`
  local last = vim.api.nvim_buf_line_count(bufnr)
  vim.api.nvim_buf_set_lines(bufnr, last, last, false, { 'os.path.' })
  -- (as in insert mode, the cursor after the dot: normal mode cannot put it past the line's end)
  local completion = request('textDocument/completion', {
    textDocument = vim.lsp.util.make_text_document_params(bufnr), position = { line = last, character = 8 } })
  local items = completion and (completion.items or completion) or {}
  report.completion = {}
  for _, item in ipairs(items) do
    report.completion[item.label] = item.detail or ''
  end
  vim.api.nvim_buf_set_lines(bufnr, last, last + 1, false, {})

  -- rename through vim.lsp.buf.rename (prepareRename, then the edit)
  cursor_at('twice(x', 0)
  vim.lsp.buf.rename('doubled', { bufnr = bufnr })
  assert(vim.wait(60000, function()
    return table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n'):find('doubled', 1, true) ~= nil
  end, 50), 'the rename never arrived')
  vim.cmd.write()
  report.text = table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n')
  client:stop()
end

local ok, err = pcall(run)
finish(ok, err and tostring(err) or nil)
vim.cmd('qall!')
