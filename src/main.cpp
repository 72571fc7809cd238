// pdu2mqtt entry point: everything lives in the app layer.
#include "pdu2mqtt/app/commands.hpp"

int main(int argc, char** argv) {
  return pdu2mqtt::app::run_cli(argc, argv);
}
