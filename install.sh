#!/bin/sh
# Installs etl from this checkout (cargo install) and its shell completions for bash, zsh and
# fish. Safe to run again: each step replaces what a previous run installed.
#   ./install.sh            install into ~/.cargo/bin (or $CARGO_INSTALL_ROOT/bin)
set -eu

here=$(cd "$(dirname "$0")" && pwd)

if ! command -v cargo >/dev/null 2>&1; then
  echo "install.sh: etl is built with cargo, which is not installed: see https://rustup.rs" >&2
  exit 1
fi

echo "Building and installing etl (release build, a few minutes the first time)..."
cargo install --locked --force --path "$here"

data=${XDG_DATA_HOME:-$HOME/.local/share}
config=${XDG_CONFIG_HOME:-$HOME/.config}

install_completion() {
  # $1: the checked-in script, $2: where the shell looks for it
  mkdir -p "$(dirname "$2")"
  cp "$here/completions/$1" "$2"
  echo "  $2"
}

# bash reads $data/bash-completion/completions only through the bash-completion package's
# loader; these are where distributions and Homebrew put it (ETL_BASH_COMPLETION_FILES
# replaces the list, for tests).
loaders=${ETL_BASH_COMPLETION_FILES:-"/usr/share/bash-completion/bash_completion /etc/bash_completion /usr/local/share/bash-completion/bash_completion /opt/homebrew/etc/profile.d/bash_completion.sh /usr/local/etc/profile.d/bash_completion.sh"}
has_bash_completion() {
  for f in $loaders; do
    [ -r "$f" ] && return 0
  done
  return 1
}

echo "Shell completions:"
install_completion etl.bash "$data/bash-completion/completions/etl"
if ! has_bash_completion; then
  echo "  bash: nothing loads that file without the bash-completion package: install it"
  echo "        (apt install bash-completion, brew install bash-completion@2), or add"
  echo "        '. $data/bash-completion/completions/etl' to ~/.bashrc"
fi
install_completion etl.fish "$config/fish/completions/etl.fish"
install_completion etl.zsh "${ZDOTDIR:-$HOME}/.zfunc/_etl"
case ${SHELL:-} in
  */zsh)
    echo "  zsh: make sure ~/.zshrc has 'fpath=(~/.zfunc \$fpath)' before 'compinit'"
    ;;
esac

bin=${CARGO_INSTALL_ROOT:-${CARGO_HOME:-$HOME/.cargo}}/bin
if ! command -v etl >/dev/null 2>&1; then
  echo "etl is installed in $bin, which is not on your PATH: add it to PATH"
fi
"$bin/etl" --version
