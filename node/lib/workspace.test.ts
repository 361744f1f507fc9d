/** Which workspace owns background work and writes. */
import { backgroundWorkspaceOf, NOT_BACKGROUND_WORKSPACE, ownsBackgroundWork, requireBackgroundWorkspace } from './workspace'

describe('backgroundWorkspace', () => {
  it('defaults to master, and a name that cannot be a workspace counts as master', () => {
    expect(backgroundWorkspaceOf(undefined)).toBe('master')
    expect(backgroundWorkspaceOf(' ab-test ')).toBe('ab-test')
    for (const bad of ['', 'AB', '1ab', 'a b', 'a'.repeat(65), 42]) expect(backgroundWorkspaceOf(bad)).toBe('master')
  })

  it('lets only that workspace write', () => {
    expect(ownsBackgroundWork('master', 'master')).toBe(true)
    expect(ownsBackgroundWork('master', 'ab-test')).toBe(false)
    expect(() => requireBackgroundWorkspace('master', 'master', 'cancelOrder')).not.toThrow()
    expect(() => requireBackgroundWorkspace('master', 'ab-test', 'cancelOrder')).toThrow(
      expect.objectContaining({ code: NOT_BACKGROUND_WORKSPACE, message: expect.stringMatching(/cancelOrder.*master.*ab-test/) })
    )
  })
})
